"""Protections a forked cell applies to itself before it runs any student code: ordered lists of layers.

A layer is a function ``(spec) -> names applied``; it applies what the OS allows and returns the names
(see :data:`grader.sandbox.spec.LAYERS`) of what is now in force, so every result says what protected it.
:func:`prepare_zygote` runs once per zygote (cgroup parents, the seccomp program, the minimal root);
``BEFORE_FORK`` runs in the first child, still root: the cell's cgroup, its namespaces, its /tmp;
``INSIDE`` runs in the process that will run student code (pid 1 of its new pid namespace), ending with
no_new_privs, Landlock and seccomp. The order is the list. The layers live in :mod:`.cgroups`,
:mod:`.namespaces`, :mod:`.rootfs` and :mod:`.syscalls`; the small ones are here.
Nothing here imports lazily: after the uid drop the grader's files are unreadable.
"""
from __future__ import annotations

import ctypes
import os
import resource
import time
from typing import Callable

from grader.sandbox.inside import cgroups, namespaces, rootfs, syscalls
from grader.sandbox.spec import CellSpec

PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True)
WORKDIR = "/tmp/cell"

Layer = Callable[[CellSpec], list]
TIMINGS: dict[str, float] = {}  # layer -> ms in this process (the cell reports them: benchmarks only)


def apply(layers: tuple[Layer, ...], spec: CellSpec) -> list[str]:
    """Apply ``layers`` in order; what they applied is recorded with every result."""
    applied: list[str] = []
    for layer in layers:
        started = time.perf_counter()
        applied += layer(spec)
        TIMINGS[f"{layer.__module__.rsplit('.', 1)[-1]}.{layer.__name__}"] = (time.perf_counter() - started) * 1000
    return applied


def die_with_parent(parent_pid: int) -> list[str]:
    """SIGKILL this process when its parent dies (the kernel clears this on fork and on a uid change)."""
    _libc.prctl(PR_SET_PDEATHSIG, 9, 0, 0, 0)
    if os.getppid() != parent_pid:  # the parent died before the call took effect
        os._exit(0)
    return ["die-with-parent"]


def close_inherited_fds(keep: set[int]) -> list[str]:
    """Close every descriptor but ``keep`` and 0-2: nothing of the zygote's (its control socket!) reaches a cell.
    (close_range between the kept ones: it needs no /proc, which the zygote's minimal root does not have.)"""
    low = 3
    for fd in sorted(f for f in keep if f >= 3):
        os.closerange(low, fd)
        low = fd + 1
    os.closerange(low, resource.getrlimit(resource.RLIMIT_NOFILE)[0])
    return ["close-fds"]


# ---------------------------------------------------------------- once per zygote, before any cell

def prepare_zygote(spec: CellSpec) -> None:
    """What every cell shares, made once: the cgroup parents, the seccomp program, the minimal root (last:
    it leaves the host's file system for good)."""
    for name, step in (("cgroups.prepare", cgroups.prepare), ("syscalls.build", syscalls.build),
                       ("rootfs.prepare", lambda: rootfs.prepare(spec))):
        started = time.perf_counter()
        step()
        TIMINGS[f"zygote:{name}"] = (time.perf_counter() - started) * 1000


# ---------------------------------------------------------------- before the fork into the pid namespace

BEFORE_FORK: tuple[Layer, ...] = (cgroups.enter, namespaces.enter, rootfs.private_tmp, rootfs.hide_folders)


# ---------------------------------------------------------------- in the cell, before any student code

def new_session(spec: CellSpec) -> list[str]:
    os.setsid()
    return []


def set_rlimits(spec: CellSpec) -> list[str]:
    limits = [("rlimit-core", resource.RLIMIT_CORE, 0), ("rlimit-cpu", resource.RLIMIT_CPU, spec.cpu_seconds),
              ("rlimit-fsize", resource.RLIMIT_FSIZE, spec.file_bytes),
              ("rlimit-nofile", resource.RLIMIT_NOFILE, spec.open_files)]
    if namespaces.privileged(spec):
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
    if namespaces.privileged(spec):
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


def close_zygote_fds(spec: CellSpec) -> list[str]:
    """The cgroup folders the first child kept open are not the cell's."""
    for fd in cgroups.fds():
        try:
            os.close(fd)
        except OSError:
            pass
    return []


def restrict_writes(spec: CellSpec) -> list[str]:
    return syscalls.landlock(spec, WORKDIR)


INSIDE: tuple[Layer, ...] = (namespaces.enter_cgroup, rootfs.mount_proc, close_zygote_fds, new_session, set_rlimits,
                             drop_privileges, clean_environment, stdin_from_devnull, syscalls.no_new_privs,
                             restrict_writes, syscalls.seccomp)
