"""Protections a forked cell applies to itself before it runs any student code.

Each layer is tried where the OS allows it and recorded by name, so every result says what was in
force: namespaces (network, mount, pid), masked directories, a private /tmp, rlimits, an
unprivileged uid, a scrubbed environment, stdin from /dev/null. Nothing here imports lazily.
"""
from __future__ import annotations

import ctypes
import os
import resource

CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWUSER = 0x00020000, 0x20000000, 0x40000000, 0x10000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 32, 4096, 16384, 1 << 18
_libc = ctypes.CDLL(None, use_errno=True)
WORKDIR = "/tmp/cell"


def _mount(source, target, fstype, flags, data=None) -> None:
    enc = (lambda s: s.encode() if s is not None else None)
    if _libc.mount(enc(source), enc(target), enc(fstype), flags, enc(data)):
        err = ctypes.get_errno()
        raise OSError(err, f"mount {target}: {os.strerror(err)}")


PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int) -> None:
    """SIGKILL this process when its parent dies (the kernel clears this on fork and on a uid change)."""
    _libc.prctl(PR_SET_PDEATHSIG, 9, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before the call took effect
        os._exit(0)


def close_inherited_fds(keep: set[int]) -> None:
    """Close every descriptor but ``keep`` and 0-2: nothing of the zygote's (its control socket!) reaches a cell."""
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd > 2 and fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


def enter_namespaces(want: dict, applied: list[str]) -> bool:
    """In the first child (still root): new net, mount and pid namespaces. True if pid ns is new.

    Without root (a laptop), an unprivileged user namespace still gives a private network."""
    if os.geteuid() != 0 or not want.get("privileged", True):
        if _libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0:
            applied.append("netns (user namespace)")
        return False
    flags = CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWPID
    if _libc.unshare(flags) != 0:
        return False
    applied += ["netns", "pidns", "mountns"]
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    _mask(want.get("mask", []), want.get("expose", []), want.get("tmp_bytes", 64 << 20), applied)
    return True


def _mask(masks: list[str], expose: list[str], tmp_bytes: int, applied: list[str]) -> None:
    """Hide ``masks`` under empty tmpfs, then bind ``expose`` (paths inside them) back read-only."""
    keep = {}
    for path in expose:
        if os.path.isdir(path):
            keep[path] = os.open(path, os.O_PATH | os.O_DIRECTORY)
    hidden = []
    for path in sorted(set(masks), key=lambda p: p.count("/")):
        if os.path.isdir(path) and not os.path.islink(path):
            _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")
            hidden.append(path)
    for tmp in ("/tmp", "/var/tmp", "/dev/shm"):  # before the binds: a checkout under /tmp stays visible
        if os.path.isdir(tmp):
            _mount("tmpfs", tmp, "tmpfs", MS_NOSUID | MS_NODEV, f"size={tmp_bytes},mode=1777")
    for path, fd in keep.items():
        os.makedirs(path, exist_ok=True)
        _mount(f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC)
        _mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_REC)
        os.close(fd)
    applied.append("hidden " + ", ".join(hidden) if hidden else "hidden nothing")
    applied.append(f"private /tmp {tmp_bytes >> 20} MiB")


def in_cell(want: dict, pidns: bool, applied: list[str]) -> None:
    """In the process that will run student code: /proc, limits, uid, environment, workdir."""
    if pidns:
        _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV)
    os.setsid()
    limits = [
        (resource.RLIMIT_CORE, 0, "core 0"),
        (resource.RLIMIT_CPU, want.get("cpu_seconds", 120), "cpu {}s"),
        (resource.RLIMIT_FSIZE, want.get("file_bytes", 16 << 20), "file {}B"),
        (resource.RLIMIT_NOFILE, want.get("open_files", 256), "nofile {}"),
    ]
    uid = want.get("uid") if want.get("privileged", True) else None
    if uid is not None and os.geteuid() == 0:
        limits.append((resource.RLIMIT_NPROC, want.get("processes", 256), "nproc {}"))
    memory = want.get("memory_bytes")
    if memory and not want.get("device", "cpu").startswith("cuda"):
        with open("/proc/self/statm") as f:
            vm_now = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        limits.append((resource.RLIMIT_AS, vm_now + memory, f"memory {memory >> 20} MiB"))
    for which, value, label in limits:
        try:
            resource.setrlimit(which, (value, value))
            applied.append(label.format(value))
        except (ValueError, OSError):
            pass
    os.makedirs(WORKDIR, exist_ok=True)
    if uid is not None and os.geteuid() == 0:
        os.chown(WORKDIR, uid, uid)
        os.chmod(WORKDIR, 0o700)
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
        applied.append(f"uid {uid}")
    die_with_parent(os.getppid())  # after the uid change, which clears it
    os.chdir(WORKDIR)
    os.environ.clear()
    os.environ.update({"PATH": "/usr/bin:/bin", "HOME": WORKDIR, "TMPDIR": WORKDIR, "LANG": "C.UTF-8",
                       "OMP_NUM_THREADS": "1"})
    applied.append("clean env")
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    applied.append("stdin /dev/null")
