"""Protections a forked cell applies to itself before it runs any student code: ordered lists of layers.

A layer is a function ``(spec) -> names applied``; it applies what the OS allows and returns the names
(see :data:`grader.sandbox.spec.LAYERS`) of what is now in force, so every result says what protected it.
``BEFORE_FORK`` runs in the first child, still root, and creates the namespaces; ``INSIDE`` runs in the
process that will run student code (pid 1 of its new pid namespace). The order is the list.
Nothing here imports lazily: after the uid drop the grader's files are unreadable.
"""
from __future__ import annotations

import ctypes
import os
import resource
from typing import Callable

from grader.sandbox.spec import CellSpec

CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWUSER = 0x00020000, 0x20000000, 0x40000000, 0x10000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 32, 4096, 16384, 1 << 18
PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True)
WORKDIR = "/tmp/cell"

Layer = Callable[[CellSpec], list]


def _mount(source, target, fstype, flags, data=None) -> None:
    enc = (lambda s: s.encode() if s is not None else None)
    if _libc.mount(enc(source), enc(target), enc(fstype), flags, enc(data)):
        err = ctypes.get_errno()
        raise OSError(err, f"mount {target}: {os.strerror(err)}")


def apply(layers: tuple[Layer, ...], spec: CellSpec) -> list[str]:
    """Apply ``layers`` in order; what they applied is recorded with every result."""
    applied: list[str] = []
    for layer in layers:
        applied += layer(spec)
    return applied


def die_with_parent(parent_pid: int) -> list[str]:
    """SIGKILL this process when its parent dies (the kernel clears this on fork and on a uid change)."""
    _libc.prctl(PR_SET_PDEATHSIG, 9, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before the call took effect
        os._exit(0)
    return ["die-with-parent"]


def close_inherited_fds(keep: set[int]) -> list[str]:
    """Close every descriptor but ``keep`` and 0-2: nothing of the zygote's (its control socket!) reaches a cell."""
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd > 2 and fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass
    return ["close-fds"]


# ---------------------------------------------------------------- before the fork into the pid namespace

def _privileged(spec: CellSpec) -> bool:
    return os.geteuid() == 0 and spec.privileged


def enter_namespaces(spec: CellSpec) -> list[str]:
    """New net, mount and pid namespaces (root); without root a user namespace still gives a private network."""
    if not _privileged(spec):
        return ["userns", "netns"] if _libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0 else []
    if _libc.unshare(CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWPID) != 0:
        return []
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    return ["netns", "pidns", "mountns"]


def _own_mount_namespace() -> bool:
    """True only in a mount namespace that is not the zygote's: never mount anything over the host's."""
    try:
        return os.readlink("/proc/self/ns/mnt") != os.readlink(f"/proc/{os.getppid()}/ns/mnt")
    except OSError:
        return False


def hide_folders(spec: CellSpec) -> list[str]:
    """Hide ``spec.hide`` under empty tmpfs and a private /tmp, then bind ``spec.expose`` back read-only."""
    if not _privileged(spec) or not _own_mount_namespace():
        return []
    keep = {}
    for path in spec.expose:
        if os.path.isdir(path):
            keep[path] = os.open(path, os.O_PATH | os.O_DIRECTORY)
    for path in sorted(set(spec.hide), key=lambda p: p.count("/")):
        if os.path.isdir(path) and not os.path.islink(path):
            _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")
    for tmp in ("/tmp", "/var/tmp", "/dev/shm"):  # before the binds: a checkout under /tmp stays visible
        if os.path.isdir(tmp):
            _mount("tmpfs", tmp, "tmpfs", MS_NOSUID | MS_NODEV, f"size={spec.tmp_bytes},mode=1777")
    for path, fd in keep.items():
        os.makedirs(path, exist_ok=True)
        _mount(f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC)
        _mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_REC)
        os.close(fd)
    return ["hide", "private-tmp"]


BEFORE_FORK: tuple[Layer, ...] = (enter_namespaces, hide_folders)


# ---------------------------------------------------------------- in the cell, before any student code

def mount_proc(spec: CellSpec) -> list[str]:
    if not _privileged(spec) or os.getpid() != 1:  # only as init of a new pid (and mount) namespace
        return []
    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV)
    return ["proc"]


def new_session(spec: CellSpec) -> list[str]:
    os.setsid()
    return []


def set_rlimits(spec: CellSpec) -> list[str]:
    limits = [("rlimit-core", resource.RLIMIT_CORE, 0), ("rlimit-cpu", resource.RLIMIT_CPU, spec.cpu_seconds),
              ("rlimit-fsize", resource.RLIMIT_FSIZE, spec.file_bytes),
              ("rlimit-nofile", resource.RLIMIT_NOFILE, spec.open_files)]
    if _privileged(spec):
        limits.append(("rlimit-nproc", resource.RLIMIT_NPROC, spec.processes))
    if spec.memory_bytes and not spec.device.startswith("cuda"):  # CUDA maps far more address space than it uses
        with open("/proc/self/statm") as f:
            vm_now = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        limits.append(("rlimit-as", resource.RLIMIT_AS, vm_now + spec.memory_bytes))
    applied = []
    for name, which, value in limits:
        try:
            resource.setrlimit(which, (value, value))
            applied.append(name)
        except (ValueError, OSError):
            pass  # best effort: absent from the list; the parent's `missing()` decides if that is acceptable
    return applied


def drop_privileges(spec: CellSpec) -> list[str]:
    """A private working folder, then the unprivileged uid (root only); dying with the parent is set after."""
    os.makedirs(WORKDIR, exist_ok=True)
    applied = []
    if _privileged(spec):
        os.chown(WORKDIR, spec.uid, spec.uid)
        os.chmod(WORKDIR, 0o700)
        os.setgroups([])
        os.setresgid(spec.uid, spec.uid, spec.uid)
        os.setresuid(spec.uid, spec.uid, spec.uid)
        applied.append("uid")
    os.chdir(WORKDIR)
    return applied + die_with_parent(os.getppid())  # after the uid change, which clears it


def clean_environment(spec: CellSpec) -> list[str]:
    os.environ.clear()
    os.environ.update({"PATH": "/usr/bin:/bin", "HOME": WORKDIR, "TMPDIR": WORKDIR, "LANG": "C.UTF-8",
                       "OMP_NUM_THREADS": "1"})
    return ["clean-env"]


def stdin_from_devnull(spec: CellSpec) -> list[str]:
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    return ["stdin-devnull"]


INSIDE: tuple[Layer, ...] = (mount_proc, new_session, set_rlimits, drop_privileges, clean_environment,
                             stdin_from_devnull)
