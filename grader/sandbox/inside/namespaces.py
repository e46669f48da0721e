"""The cell's namespaces: network, mount, pid, IPC, UTS and cgroup; without root, a user namespace first.

:func:`enter` runs in the first child before it forks the cell (which becomes pid 1 of the new pid
namespace); :func:`enter_cgroup` runs in the cell, born in its own cgroup, so the namespace is rooted there
(the first child, which must leave that cgroup again, keeps the host's view). As root, all six
are new; without root (a laptop, a CI runner) a user namespace mapping the user to itself comes first and
makes the others possible where the kernel allows unprivileged user namespaces. The IPC namespace takes
SysV shared memory, message queues, semaphores and POSIX queues away with the cell.
"""
from __future__ import annotations

import ctypes
import os

from grader.sandbox.spec import CellSpec

CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x02000000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
MS_REC, MS_PRIVATE = 16384, 1 << 18
_libc = ctypes.CDLL(None, use_errno=True)
NAMES = (("netns", CLONE_NEWNET), ("mountns", CLONE_NEWNS), ("pidns", CLONE_NEWPID), ("ipcns", CLONE_NEWIPC),
         ("utsns", CLONE_NEWUTS))
HOSTNAME = b"cell"
ENTERED: set[str] = set()  # what :func:`enter` made new in this process (a forked cell inherits the record)


def privileged(spec: CellSpec) -> bool:
    return os.geteuid() == 0 and spec.privileged


def _map_user(uid: int, gid: int) -> None:
    for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
        with open(f"/proc/self/{name}", "w") as f:
            f.write(text)


def enter(spec: CellSpec) -> list[str]:
    """New namespaces for the cell; what could not be had is left out of the names."""
    applied: list[str] = []
    if not privileged(spec):
        uid, gid = os.getuid(), os.getgid()
        if _libc.unshare(CLONE_NEWUSER) != 0:
            return []
        _map_user(uid, gid)
        applied.append("userns")
    everything = 0
    for _, flag in NAMES:
        everything |= flag
    if _libc.unshare(everything) == 0:
        applied += [name for name, _ in NAMES]
    else:  # one at a time: a kernel that refuses one still grants the others
        applied += [name for name, flag in NAMES if _libc.unshare(flag) == 0]
    ENTERED.update(applied)
    if "mountns" in applied:
        _libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None)
    if "utsns" in applied:
        _libc.sethostname(HOSTNAME, len(HOSTNAME))
    return applied


def enter_cgroup(spec: CellSpec) -> list[str]:
    """In the cell: a cgroup namespace rooted at its own cgroup (/proc/self/cgroup shows "/", no host name)."""
    return ["cgroupns"] if _libc.unshare(CLONE_NEWCGROUP) == 0 else []
