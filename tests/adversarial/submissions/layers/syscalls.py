# Item 3: syscalls a cell must not make; each answer is "ok" or the errno's name.
import ctypes
import errno
import os
import socket

libc = ctypes.CDLL(None, use_errno=True)


def _sys(*args):
    result = libc.syscall(*args)
    return "ok" if result >= 0 else errno.errorcode.get(ctypes.get_errno(), "?")


def _sock(family, kind=socket.SOCK_STREAM):
    try:
        socket.socket(family, kind).close()
        return "ok"
    except OSError as exc:
        return errno.errorcode.get(exc.errno, "?")


def probe():
    buf = ctypes.create_string_buffer(64)
    iov = (ctypes.c_void_p * 2)(ctypes.cast(buf, ctypes.c_void_p), 8)
    return {
        "ptrace": _sys(101, 0, 0, 0, 0),  # PTRACE_TRACEME
        "process_vm_readv": _sys(310, os.getpid(), iov, 1, iov, 1, 0),
        "keyctl": _sys(250, 1, None),  # KEYCTL_JOIN_SESSION_KEYRING
        "add_key": _sys(248, b"user", b"note", b"x", 1, -3),  # into the user keyring
        "bpf": _sys(321, 0, None, 0),
        "perf_event_open": _sys(298, None, 0, -1, -1, 0),
        "userfaultfd": _sys(323, 0),
        "io_uring_setup": _sys(425, 1, buf),
        "mount": _sys(165, b"none", b"/tmp", b"tmpfs", 0, None),
        "umount2": _sys(166, b"/proc", 2),
        "pivot_root": _sys(155, b"/tmp", b"/tmp"),
        "unshare": _sys(272, 0x10000000),  # CLONE_NEWUSER
        "setns": _sys(308, 0, 0),
        "clone_newuser": _sys(56, 0x10000000 | 17, 0, 0, 0, 0),  # SIGCHLD | CLONE_NEWUSER
        "kexec_load": _sys(246, 0, 0, None, 0),
        "init_module": _sys(175, None, 0, b""),
        "open_by_handle_at": _sys(304, -100, buf, 0),
        "personality": _sys(135, 0x0040000),  # ADDR_NO_RANDOMIZE
        "set_dumpable": _sys(157, 4, 1, 0, 0, 0),  # prctl(PR_SET_DUMPABLE, 1)
        "socket_inet": _sock(socket.AF_INET),
        "socket_netlink": _sock(socket.AF_NETLINK, socket.SOCK_RAW),
        "socket_unix": _sock(socket.AF_UNIX),
    }


def status():
    with open("/proc/self/status") as f:
        return [line.strip() for line in f if line.startswith(("NoNewPrivs", "Seccomp:"))]
