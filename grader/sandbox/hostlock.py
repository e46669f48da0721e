"""Host-wide locks of the parent (never used inside a cell): sandbox uids, CPU cores, and calls that must run alone.

:func:`claim_uid` gives each grader process (a worker, a Dask worker, the main process) a sandbox uid no other
grader on this host holds: a ``flock`` on one lock file per uid in :data:`LOCK_DIR`, held for the life of
the process and released by the kernel when it dies, so two graders (an instructor's batch and a CI check)
never share a uid, whatever their slots. :func:`calling` is taken (shared) around every call into a cell;
:func:`alone` takes it exclusively, so a test rerun because the host was overloaded runs while no other
grader's call is in flight. A turnstile lock gives the exclusive taker precedence over new shared takers.
:func:`claim_core` gives a grading process a CPU core no other grader on this host holds, the same way (a
``flock`` per core): the worker and the cell it calls run there (:mod:`grader.harness.runner`, ``Placement``).
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile

LOCK_DIR = os.environ.get("GRADER_LOCK_DIR", "/run/lock/grader")
UID_BASE, UID_COUNT = 61000, 1000
_HELD: dict = {}  # pid -> [(uid, fd)]: flock is per open file, and a forked child must claim its own
_CALLS: dict = {}  # pid -> (main fd, turnstile fd)
_CORES: dict = {}  # pid -> (core, fd) or None: the core this process claimed
_ALONE: dict = {"depth": 0}


def _dir() -> str:
    for folder in (LOCK_DIR, os.path.join(tempfile.gettempdir(), f"grader-locks-{os.getuid()}")):
        try:
            os.makedirs(folder, mode=0o755, exist_ok=True)
            if os.access(folder, os.W_OK):
                return folder
        except OSError:
            continue
    raise OSError("no writable folder for the grader's host locks")


def _try_lock(folder: str, name: str) -> int | None:
    """The lock file ``name``, held exclusively (its descriptor), or None where a live process holds it."""
    fd = os.open(os.path.join(folder, name), os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def claim_uid(base: int = UID_BASE, count: int = UID_COUNT, nth: int = 0) -> int:
    """This process's sandbox uid: the first in ``base .. base+count`` that no other live process holds.
    ``nth`` > 0: its further uids (a submission loaded ahead runs beside the previous one: never the same uid,
    since per-user limits such as RLIMIT_NPROC count every process of a uid, whatever its namespaces)."""
    held = _HELD.setdefault(os.getpid(), [])
    folder = _dir() if len(held) <= nth else ""
    for uid in range(base, base + count):
        if len(held) > nth:
            break
        if any(uid == h[0] for h in held):
            continue
        fd = _try_lock(folder, f"uid-{uid}.lock")
        if fd is not None:
            held.append((uid, fd))
    if len(held) > nth:
        return held[nth][0]
    raise OSError(f"all {count} sandbox uids from {base} are held by running graders")


def claim_core(cores) -> int | None:
    """A core of ``cores`` that no other live grader process on this host holds, held until :func:`release_core`
    or this process ends (claimed once: later calls return the same); None where every one is held."""
    pid = os.getpid()
    if pid not in _CORES:
        _CORES[pid] = None
        try:
            folder = _dir()
        except OSError:
            return None
        for core in sorted(cores):
            fd = _try_lock(folder, f"core-{core}.lock")
            if fd is not None:
                _CORES[pid] = (core, fd)
                break
    held = _CORES[pid]
    return held[0] if held is not None and held[0] in cores else None


def release_core() -> None:
    """Let go of this process's core (its last grading context closed)."""
    held = _CORES.pop(os.getpid(), None)
    if held is not None:
        os.close(held[1])


def _call_fds():
    fds = _CALLS.get(os.getpid())
    if fds is None:
        try:
            folder = _dir()
            fds = tuple(os.open(os.path.join(folder, name), os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)
                        for name in ("calls.lock", "turnstile.lock"))
        except OSError:
            fds = ()
        _CALLS[os.getpid()] = fds
    return fds


@contextlib.contextmanager
def calling():
    """Around one call into a cell: shared with other graders' calls, excluded by :func:`alone`."""
    fds = _call_fds()
    if not fds or _ALONE["depth"]:
        yield
        return
    main, turnstile = fds
    fcntl.flock(turnstile, fcntl.LOCK_EX)
    fcntl.flock(main, fcntl.LOCK_SH)
    fcntl.flock(turnstile, fcntl.LOCK_UN)
    try:
        yield
    finally:
        fcntl.flock(main, fcntl.LOCK_UN)


@contextlib.contextmanager
def alone():
    """While no other grader on this host is calling into a cell (theirs wait until this ends)."""
    fds = _call_fds()
    if not fds or _ALONE["depth"]:
        yield
        return
    main, turnstile = fds
    fcntl.flock(turnstile, fcntl.LOCK_EX)
    fcntl.flock(main, fcntl.LOCK_EX)
    _ALONE["depth"] += 1
    try:
        yield
    finally:
        _ALONE["depth"] -= 1
        fcntl.flock(main, fcntl.LOCK_UN)
        fcntl.flock(turnstile, fcntl.LOCK_UN)


def overloaded() -> bool:
    """More runnable work than cores over the last minute: a wall-clock timeout now may not be the code's fault."""
    try:
        return os.getloadavg()[0] > (os.cpu_count() or 1)
    except OSError:
        return False
