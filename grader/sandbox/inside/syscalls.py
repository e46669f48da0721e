"""no_new_privs, a seccomp filter and Landlock: the last layers before student code runs.

The seccomp filter is built with libseccomp through PyPI's ``pyseccomp`` (pure ctypes over the system's
libseccomp2, installed with the project by pip into any venv: Debian's ``python3-seccomp`` is a C module for
Debian's own interpreter, not importable from a venv on another Python, and absent from CI's fresh venv and
from laptops). It is built once per zygote (:func:`build`) and exported as raw BPF; each cell loads those
bytes with one ``prctl`` (microseconds: pyseccomp's own ``load`` costs ~0.8 ms per cell). It denies, with
EPERM: ptrace, cross-process memory access, keyrings, bpf, perf events, userfaultfd, io_uring, mounting,
pivot_root, new namespaces (unshare, setns, clone with CLONE_NEW*; clone3 answers ENOSYS so libc falls back
to clone), kexec and modules, file handles, personality changes (any persona but PER_LINUX), re-enabling core dumps, and sockets of any
family but AF_UNIX. Syscalls of another ABI (i386, x32) kill the process (libseccomp's bad-arch action).

Landlock (:func:`landlock`): where the kernel has it, the cell may write only under its working folder
(and to ``/dev/null``); reads are left to the other layers.
"""
from __future__ import annotations

import ctypes
import errno
import os

from grader.sandbox.spec import CellSpec

try:  # imported in the zygote, before the fork: never lazily in a cell
    import pyseccomp
except (ImportError, OSError):  # no libseccomp2 on this machine: the layer is recorded as not applied
    pyseccomp = None

PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER, PR_SET_DUMPABLE = 38, 22, 2, 4
AF_UNIX = 1
CLONE_NEW_FLAGS = (0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000, 0x00000080)
DENIED = ("ptrace", "process_vm_readv", "process_vm_writev", "keyctl", "add_key", "request_key", "bpf",
          "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register", "mount",
          "umount2", "pivot_root", "chroot", "unshare", "setns", "kexec_load", "kexec_file_load", "init_module",
          "finit_module", "delete_module", "open_by_handle_at", "name_to_handle_at", "fsopen", "fsmount",
          "fsconfig", "fspick", "move_mount", "open_tree", "mount_setattr", "swapon", "swapoff", "reboot",
          "acct", "quotactl", "syslog", "iopl", "ioperm", "kcmp", "lookup_dcookie", "vhangup")
_libc = ctypes.CDLL(None, use_errno=True)
_STATE: dict = {"bpf": None, "prog": None}


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def _rules(f) -> None:
    eperm = pyseccomp.ERRNO(errno.EPERM)
    for name in DENIED:
        try:
            f.add_rule(eperm, name)
        except (OSError, ValueError, RuntimeError):
            pass  # a syscall this libseccomp does not know
    f.add_rule(pyseccomp.ERRNO(errno.ENOSYS), "clone3")  # its flags are behind a pointer; libc falls back to clone
    for flag in CLONE_NEW_FLAGS:
        f.add_rule(eperm, "clone", pyseccomp.Arg(0, pyseccomp.MASKED_EQ, flag, flag))
    for name in ("socket", "socketpair"):
        f.add_rule(pyseccomp.ERRNO(errno.EAFNOSUPPORT), name, pyseccomp.Arg(0, pyseccomp.NE, AF_UNIX))
    # libseccomp takes one comparison per argument: every personality but PER_LINUX (0) is refused, queries too
    f.add_rule(eperm, "personality", pyseccomp.Arg(0, pyseccomp.NE, 0))
    f.add_rule(eperm, "prctl", pyseccomp.Arg(0, pyseccomp.EQ, PR_SET_DUMPABLE))


def build() -> bytes | None:
    """Once per zygote: the filter as raw BPF (None where libseccomp is missing)."""
    if _STATE["bpf"] is None and pyseccomp is not None:
        f = pyseccomp.SyscallFilter(pyseccomp.ALLOW)
        _rules(f)
        r, w = os.pipe()
        try:
            with os.fdopen(w, "wb", closefd=False) as out:
                f.export_bpf(out)
        finally:
            os.close(w)
        with os.fdopen(r, "rb") as src:
            program = src.read()
        buf = ctypes.create_string_buffer(program, len(program))  # ready to load: a cell only calls prctl
        _STATE["bpf"], _STATE["prog"] = program, (buf, _SockFprog(len(program) // 8, ctypes.cast(buf, ctypes.c_void_p)))
        _libc.prctl  # resolved now, not in the cell
    return _STATE["bpf"]


def no_new_privs(spec: CellSpec) -> list[str]:
    return ["no-new-privs"] if _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 else []


def seccomp(spec: CellSpec) -> list[str]:
    """Load the zygote's filter (needs no_new_privs without CAP_SYS_ADMIN, which the cell no longer has)."""
    if not _STATE["bpf"]:
        return []
    ok = _libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(_STATE["prog"][1]), 0, 0) == 0
    return ["seccomp"] if ok else []


# ---------------------------------------------------------------- Landlock (raw syscalls: no library needed)

SYS_CREATE, SYS_ADD_RULE, SYS_RESTRICT = 444, 445, 446
RULE_PATH_BENEATH, CREATE_VERSION = 1, 1
WRITE_FILE, TRUNCATE, REFER = 1 << 1, 1 << 14, 1 << 13
WRITES_V1 = WRITE_FILE | sum(1 << b for b in range(4, 13))  # remove dir/file, make char/dir/reg/sock/fifo/block/sym


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64)]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def landlock_abi() -> int:
    return max(0, _libc.syscall(SYS_CREATE, None, ctypes.c_size_t(0), ctypes.c_uint32(CREATE_VERSION)))


def landlock(spec: CellSpec, writable: str = "") -> list[str]:
    """Writes only beneath the cell's working folder (its cwd) and to /dev/null; needs no_new_privs first."""
    abi = landlock_abi()
    if abi < 1:
        return []
    handled = WRITES_V1 | (REFER if abi >= 2 else 0) | (TRUNCATE if abi >= 3 else 0)
    attr = _RulesetAttr(handled)
    ruleset = _libc.syscall(SYS_CREATE, ctypes.byref(attr), ctypes.c_size_t(ctypes.sizeof(attr)), ctypes.c_uint32(0))
    if ruleset < 0:
        return []
    try:
        for path, access in ((writable or os.getcwd(), handled), ("/dev/null", WRITE_FILE | (handled & TRUNCATE))):
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            try:
                rule = _PathBeneath(access, fd)
                if _libc.syscall(SYS_ADD_RULE, ruleset, RULE_PATH_BENEATH, ctypes.byref(rule), ctypes.c_uint32(0)):
                    return []
            finally:
                os.close(fd)
        return ["landlock"] if _libc.syscall(SYS_RESTRICT, ruleset, ctypes.c_uint32(0)) == 0 else []
    finally:
        os.close(ruleset)
