"""The cell's file system: a minimal root made once per zygote, a private /tmp and /proc per cell.

:func:`prepare` runs once in the zygote (root): in a mount namespace of its own it builds a tmpfs tree
holding only ``/usr`` and the interpreter's prefixes and site-packages (bound read-only), the dynamic
loader's cache, ``/dev/null``, ``/dev/zero``, ``/dev/urandom`` (and the NVIDIA nodes for a CUDA zygote),
empty ``/tmp`` and ``/proc`` (the zygote itself needs no /proc after this), then ``pivot_root``\\s the zygote itself into it and detaches the host's
tree. Every cell forked afterwards starts from that small mount table: no ``/run``, no ``/sys``, no host
folder, nothing in mountinfo but these. Per cell, :func:`private_tmp` mounts a fresh size-capped ``/tmp``
and :func:`mount_proc` a ``/proc`` of the cell's own pid namespace. Why pivot_root rather than bubblewrap:
a cell forked inside bwrap cannot create namespaces any more (SANDBOX-NOTES), and exec'ing bwrap per cell
costs ~12 ms; pivoting the zygote once costs nothing per cell.

Without root (or if pivot_root fails, e.g. on an initramfs root) :func:`hide_folders` is the fallback:
``spec.hide`` (home, the workspace, ``.git``) under empty tmpfs, the interpreter bound back read-only.
"""
from __future__ import annotations

import ctypes
import glob
import os

from grader.sandbox.inside import namespaces
from grader.sandbox.spec import CellSpec

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 32, 4096, 16384, 1 << 18
MNT_DETACH = 2
CLONE_NEWNS = 0x00020000
_libc = ctypes.CDLL(None, use_errno=True)
_STATE = {"root": False}
STAGE = "/tmp"  # where the tree is built (a tmpfs over it, in the zygote's own mount namespace only)
DEVICES = ("/dev/null", "/dev/zero", "/dev/urandom")


def mount(source, target, fstype, flags, data=None) -> None:
    enc = (lambda s: s.encode() if s is not None else None)
    if _libc.mount(enc(source), enc(target), enc(fstype), flags, enc(data)):
        err = ctypes.get_errno()
        raise OSError(err, f"mount {target}: {os.strerror(err)}")


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def ready() -> bool:
    return _STATE["root"]


def _sources(spec: CellSpec) -> list[str]:
    """What the root holds, outermost first; a path inside another one is covered by it."""
    paths = ["/usr", *sorted(spec.expose)]
    if spec.device.startswith("cuda"):
        paths += sorted(glob.glob("/dev/nvidia*"))
    paths += [p for p in ("/etc/ld.so.cache", *DEVICES) if os.path.exists(p)]
    kept: list[str] = []
    for path in paths:
        if os.path.exists(path) and not any(path == k or path.startswith(k.rstrip("/") + "/") for k in kept):
            kept.append(path)
    return kept


def prepare(spec: CellSpec) -> bool:
    """Once per zygote (root): build the minimal root and pivot into it. False: not possible here."""
    if os.geteuid() != 0 or not spec.privileged or _STATE["root"]:
        return _STATE["root"]
    try:
        _check(_libc.unshare(CLONE_NEWNS), "unshare")
        mount(None, "/", None, MS_REC | MS_PRIVATE)
        fds = {p: os.open(p, os.O_PATH) for p in _sources(spec)}  # before anything is mounted over them
        links = {p: os.readlink(p) for p in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
                 if os.path.islink(p)}
        mount("tmpfs", STAGE, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")
        for path, fd in fds.items():
            target = STAGE + path
            os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
            if os.path.isdir(f"/proc/self/fd/{fd}"):
                os.makedirs(target, mode=0o755, exist_ok=True)
            else:
                os.close(os.open(target, os.O_CREAT | os.O_WRONLY, 0o644))
            mount(f"/proc/self/fd/{fd}", target, None, MS_BIND | MS_REC)
            if not path.startswith("/dev/"):  # device nodes stay writable (/dev/null); the rest read-only
                mount(None, target, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_REC)
            os.close(fd)
        for link, to in links.items():
            if not os.path.lexists(STAGE + link):
                os.symlink(to, STAGE + link)
        for folder in ("/tmp", "/proc", "/dev"):
            os.makedirs(STAGE + folder, mode=0o755, exist_ok=True)
        for name, to in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"),
                         ("stderr", "/proc/self/fd/2")):
            os.symlink(to, f"{STAGE}/dev/{name}")
        os.chdir(STAGE)
        _check(_libc.syscall(155, b".", b"."), "pivot_root")  # SYS_pivot_root: the old root now lies under "."
        _check(_libc.umount2(b".", MNT_DETACH), "umount old root")
        os.chdir("/")
        mount(None, "/", None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
    except OSError:
        return False  # the zygote may now be half-way: cells fall back to hiding folders in their own namespace
    _STATE["root"] = True
    return True


def private_tmp(spec: CellSpec) -> list[str]:
    """Per cell, in its own mount namespace inside the minimal root: a fresh size-capped /tmp."""
    if not _STATE["root"] or not own_mount_namespace():
        return []
    try:
        mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, f"size={spec.tmp_bytes},mode=1777")
    except OSError:
        return []
    return ["minimal-root", "private-tmp"]


def own_mount_namespace() -> bool:
    """True only in a mount namespace this process made (never mount anything over the zygote's or the host's)."""
    return "mountns" in namespaces.ENTERED


def hide_folders(spec: CellSpec) -> list[str]:
    """Fallback: ``spec.hide`` under empty tmpfs, private /tmp, /var/tmp, /dev/shm, then ``spec.expose``
    bound back read-only (last: a checkout or a venv under /tmp or home stays usable)."""
    if _STATE["root"] or not own_mount_namespace():
        return []
    keep = {p: os.open(p, os.O_PATH | os.O_DIRECTORY) for p in spec.expose if os.path.isdir(p)}
    try:
        for path in sorted(set(spec.hide), key=lambda p: p.count("/")):
            if os.path.isdir(path) and not os.path.islink(path):
                mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")
        for tmp in ("/tmp", "/var/tmp", "/dev/shm"):
            if os.path.isdir(tmp):
                mount("tmpfs", tmp, "tmpfs", MS_NOSUID | MS_NODEV, f"size={spec.tmp_bytes},mode=1777")
        for path, fd in keep.items():
            os.makedirs(path, exist_ok=True)
            mount(f"/proc/self/fd/{fd}", path, None, MS_BIND | MS_REC)
            mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_REC)
    except OSError:
        return []
    finally:
        for fd in keep.values():
            os.close(fd)
    return ["hide", "private-tmp"]


def mount_proc(spec: CellSpec) -> list[str]:
    """In the cell, pid 1 of its own pid and mount namespaces: a /proc that shows only its own processes."""
    if os.getpid() != 1:
        return []
    try:
        mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV)
    except OSError:
        return []
    return ["proc"]
