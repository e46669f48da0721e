"""What a cell asks its zygote for: one frozen record with every limit, mask, uid and device.

:class:`CellSpec` is the only source of sandbox defaults. The parent builds it once per run, it crosses to
the zygote as JSON, and the layers in :mod:`grader.sandbox.inside.protect` read it. Layers record what they
applied by *name* (``PROTECTIONS`` are the ones official grades require); names never carry paths, uids or
other students' folders, so a result can show them to a student.
"""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Iterable

PROTECTIONS = ("netns", "pidns", "mountns", "uid")  # what official grades require (``grade --require``)
PRELOADABLE = ("numpy", "torch")  # what a zygote may import for its cells (trusted, installed code; nothing else)

# Every name a layer can record, with what it means (``grader doctor`` prints these).
LAYERS = {
    "userns": "a user namespace of its own (no root needed)",
    "netns": "a network namespace of its own: no network at all",
    "ipcns": "an IPC namespace of its own: SysV shared memory, queues, semaphores and POSIX queues die with it",
    "utsns": "a UTS namespace of its own: its own host name",
    "cgroupns": "a cgroup namespace of its own: it sees only its own cgroup, by no host name",
    "pidns": "a pid namespace of its own: sees and signals only its own processes, all killed with it",
    "mountns": "a mount namespace of its own",
    "minimal-root": "a root of its own (pivot_root): only the interpreter, its libraries and site-packages "
                    "read-only, /tmp, /proc and /dev/null, zero, urandom (and NVIDIA nodes on CUDA)",
    "hide": "fallback without a minimal root: home, the workspace and .git hidden under empty tmpfs",
    "private-tmp": "a private, size-capped /tmp",
    "proc": "its own /proc",
    "close-fds": "no descriptor inherited from the grader but its channel",
    "die-with-parent": "killed when the grader dies",
    "rlimit-core": "no core dumps",
    "rlimit-cpu": "a CPU-time limit",
    "rlimit-fsize": "a file-size limit",
    "rlimit-nofile": "an open-files limit",
    "rlimit-nproc": "a process-count limit",
    "rlimit-as": "an address-space limit",
    "cgroup-memory": "a memory limit on the whole cell (every process it starts), CUDA cells too",
    "cgroup-pids": "a process-count limit on the whole cell, enforced even for root",
    "cgroup-cpu": "a CPU share limit on the whole cell, and its CPU time counted for the call budget",
    "uid": "an unprivileged uid, unique to this grader on this host, that cannot read the grader's files",
    "no-new-privs": "no_new_privs: no setuid or file capability can raise its privileges",
    "landlock": "Landlock: it can write only in its own working folder",
    "seccomp": "a seccomp filter: no ptrace, keyrings, bpf, io_uring, mounts, namespaces or non-local sockets",
    "clean-env": "a scrubbed environment",
    "stdin-devnull": "stdin from /dev/null",
}


@dataclass(frozen=True)
class CellSpec:
    """Everything a cell asks its zygote for. Crosses as JSON; both ends read this one definition."""

    device: str = "cpu"
    privileged: bool = True  # False: a user namespace only (a laptop without root)
    uid: int = 61000
    hide: tuple[str, ...] = ()  # folders put under an empty tmpfs
    expose: tuple[str, ...] = ()  # paths inside them bound back read-only (the interpreter, site-packages)
    memory_bytes: int = 4 << 30
    cpu_seconds: int = 300
    file_bytes: int = 16 << 20
    open_files: int = 256
    processes: int = 256
    cpus: float = 1.0  # the cell's CPU bandwidth limit (cgroup), in cores
    tmp_bytes: int = 64 << 20
    start_timeout: float = 10.0
    preload: tuple[str, ...] = ()  # of PRELOADABLE: imported in the zygote before it forks this cell

    def to_json(self) -> bytes:
        return json.dumps(dataclasses.asdict(self)).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> "CellSpec":
        data = json.loads(raw)
        known = {f.name for f in dataclasses.fields(cls)}
        data = {k: v for k, v in data.items() if k in known}
        return cls(**{**data, "hide": tuple(data.get("hide", ())), "expose": tuple(data.get("expose", ())),
                      "preload": tuple(m for m in data.get("preload", ()) if m in PRELOADABLE)})


def missing(applied: Iterable[str], required: Iterable[str] = PROTECTIONS) -> list[str]:
    """The required protections that were not applied, by name (never by prefix)."""
    applied = set(applied)
    return [p for p in required if p not in applied]
