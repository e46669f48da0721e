"""A cgroup per cell: memory, pids and CPU limits on the whole cell (every process it starts), and its CPU time.

cgroup v2 (``memory.max``, ``pids.max``, ``cpu.max``) where the host has a unified hierarchy with those
controllers; the v1 controllers (memory, pids, cpu, cpuacct) where it is v1 or hybrid. Once per zygote,
before it leaves the host's file system, :func:`prepare` opens a parent folder in each hierarchy (under
the zygote's own cgroup on v1, so the grader's own limits still hold) and removes what a dead zygote left.
Per cell, the zygote makes the next cell's cgroup ahead (:func:`make_spare`, limits written, off the start
path); the first child :func:`enter`s it (the cell it forks is born inside), :func:`leave`s it once the cell is forked, and :func:`remove`s it when the cell is gone.
The parent reads the cell's CPU time from :func:`cpu_file` (a host path; the cell itself never sees it).
"""
from __future__ import annotations

import os
import time

from grader.sandbox.spec import CellSpec

V1_CONTROLLERS = ("memory", "pids", "cpu", "cpuacct")
CGROUP_ROOT = "/sys/fs/cgroup"
PERIOD_US = 100_000
_STATE: dict = {"parents": {}, "version": 0, "name": None, "zygote": 0, "spare": None, "counter": 0}


def _write(fd: int, rel: str, value: str) -> bool:
    try:
        f = os.open(rel, os.O_WRONLY, dir_fd=fd)
    except OSError:
        return False
    try:
        os.write(f, value.encode())
        return True
    except OSError:
        return False
    finally:
        os.close(f)


def _own_v1_path(controller: str) -> str:
    with open("/proc/self/cgroup") as f:
        for line in f:
            _, names, path = line.rstrip("\n").split(":", 2)
            if controller in names.split(","):
                return path
    return "/"


def prepare() -> None:
    """Once per zygote, as root, before pivot_root: open the parent folders; sweep dead zygotes' cgroups."""
    if os.geteuid() != 0 or _STATE["parents"]:
        return
    parents = {}
    if os.path.exists(f"{CGROUP_ROOT}/cgroup.controllers"):  # pure v2
        parent = f"{CGROUP_ROOT}/grader-cells"
        try:
            os.makedirs(parent, exist_ok=True)
            for folder in (CGROUP_ROOT, parent):
                fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
                _write(fd, "cgroup.subtree_control", "+memory +pids +cpu")
                os.close(fd)
            parents["v2"] = (parent, os.open(parent, os.O_RDONLY | os.O_DIRECTORY))
            _STATE["version"] = 2
        except OSError:
            pass
    else:
        for controller in V1_CONTROLLERS:
            mount = f"{CGROUP_ROOT}/{controller}"
            if not os.path.exists(f"{mount}/cgroup.procs"):
                continue
            parent = os.path.normpath(f"{mount}/{_own_v1_path(controller)}/grader-cells")
            try:
                os.makedirs(parent, exist_ok=True)
                parents[controller] = (parent, os.open(parent, os.O_RDONLY | os.O_DIRECTORY))
            except OSError:
                pass
        _STATE["version"] = 1 if parents else 0
    _STATE["parents"] = parents
    _STATE["zygote"] = os.getpid()
    _sweep()


def _sweep(mine: bool = False) -> None:
    """Remove the empty cgroups of zygotes that died without cleaning up (their names start with their pid),
    or (``mine``) this zygote's own, as it exits; a cgroup still in use is left alone (rmdir refuses)."""
    for _, fd in _STATE["parents"].values():
        for name in os.listdir(fd):
            zygote = name.split(".")[0]
            if zygote.isdigit() and (zygote == str(_STATE["zygote"]) if mine else not os.path.isdir(f"/proc/{zygote}")):
                _rmdir(fd, name, tries=1)


def sweep_own() -> None:
    if _STATE["parents"] and os.getpid() == _STATE["zygote"]:
        _sweep(mine=True)


def fds() -> set[int]:
    return {fd for _, fd in _STATE["parents"].values()}


def make_spare(spec: CellSpec) -> None:
    """In the zygote, after it answered a request: the next cell's cgroup, made while this one is in use."""
    if _STATE["parents"] and spec.privileged and _STATE["spare"] is None:
        _STATE["counter"] += 1
        name = f"{_STATE['zygote']}.{_STATE['counter']}"
        _STATE["spare"] = (name, _key(spec), _create(name, spec))


def take_spare() -> None:
    """In the zygote, once a first child has forked: the spare is that child's now."""
    _STATE["spare"] = None


def _key(spec: CellSpec) -> tuple:
    return spec.memory_bytes, spec.processes, spec.cpus


def _create(name: str, spec: CellSpec) -> dict:
    limited = {}
    for controller, (_, fd) in _STATE["parents"].items():
        try:
            os.mkdir(name, 0o755, dir_fd=fd)
        except FileExistsError:
            pass
        except OSError:
            continue
        limited[controller] = [label for label, ok in _limits(controller, fd, name, spec) if ok]
    return limited


def enter(spec: CellSpec) -> list[str]:
    """In the first child: join the cell's cgroup (the zygote's spare, or a fresh one) before forking the cell."""
    if not _STATE["parents"] or not spec.privileged:
        return []
    spare = _STATE["spare"]
    if spare is not None and spare[1] == _key(spec):
        name, _, limited = spare
    else:
        name = f"{_STATE['zygote']}.f{os.getpid()}"
        limited = _create(name, spec)
    _STATE["name"] = name
    applied = set()
    for controller, labels in limited.items():
        if _write(_STATE["parents"][controller][1], f"{name}/cgroup.procs", "0"):  # the cell is born inside
            applied.update(labels)
    return sorted(applied)


def _limits(controller: str, fd: int, name: str, spec: CellSpec):
    quota = max(1000, int(spec.cpus * PERIOD_US))
    if controller == "v2":
        yield "cgroup-memory", (_write(fd, f"{name}/memory.max", str(spec.memory_bytes))
                                and (_write(fd, f"{name}/memory.swap.max", "0") or True))
        yield "cgroup-pids", _write(fd, f"{name}/pids.max", str(spec.processes))
        yield "cgroup-cpu", _write(fd, f"{name}/cpu.max", f"{quota} {PERIOD_US}")
    elif controller == "memory":
        ok = _write(fd, f"{name}/memory.limit_in_bytes", str(spec.memory_bytes))
        _write(fd, f"{name}/memory.memsw.limit_in_bytes", str(spec.memory_bytes))  # no escape into swap
        yield "cgroup-memory", ok
    elif controller == "pids":
        yield "cgroup-pids", _write(fd, f"{name}/pids.max", str(spec.processes))
    elif controller == "cpu":
        yield "cgroup-cpu", (_write(fd, f"{name}/cpu.cfs_period_us", str(PERIOD_US))
                             and _write(fd, f"{name}/cpu.cfs_quota_us", str(quota)))


def leave() -> None:
    """In the first child, once the cell is forked: back to the parent folder, so only the cell is limited."""
    for _, fd in _STATE["parents"].values():
        _write(fd, "cgroup.procs", "0")


def remove() -> None:
    """In the first child, once the cell (pid 1 of its namespace, so every process in it) is gone."""
    name = _STATE["name"]
    if name:
        for _, fd in _STATE["parents"].values():
            _rmdir(fd, name)


def _rmdir(fd: int, name: str, tries: int = 50) -> bool:
    for _ in range(tries):
        try:
            os.rmdir(name, dir_fd=fd)
            return True
        except FileNotFoundError:
            return True
        except OSError:
            time.sleep(0.002)  # the last tasks are still leaving
    return False


def cpu_file() -> str | None:
    """The host path of the cell's CPU-time counter (ns in v1 ``cpuacct.usage``, ``usage_usec`` in v2)."""
    name, parents = _STATE["name"], _STATE["parents"]
    if not name:
        return None
    if "v2" in parents:
        return f"{parents['v2'][0]}/{name}/cpu.stat"
    if "cpuacct" in parents:
        return f"{parents['cpuacct'][0]}/{name}/cpuacct.usage"
    return None
