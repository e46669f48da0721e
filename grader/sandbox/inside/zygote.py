"""The zygote: a warm interpreter that forks cells.

Started once per worker as ``python -m grader.sandbox.inside.zygote FD`` with a scrubbed environment, before any
test, reference or expected value is loaded anywhere, it imports torch where the assignment asks for it (never
initialising CUDA),
the cell server and the protections, then forks a cell per request. On the first request it prepares what
all its cells share (:func:`~grader.sandbox.inside.protect.prepare_zygote`: it then lives in the minimal
root itself, with the host's file system gone). A request (a
:class:`~grader.sandbox.spec.CellSpec` as JSON) arrives on the control socket with two descriptors
attached (the cell's channel and its output pipe); the reply
is the cell's pid as the parent sees it and the host path of its CPU-time counter, or an error. The zygote holds nothing secret.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import sys

from grader.sandbox import wire
from grader.sandbox.inside import cgroups, protect, server
from grader.sandbox.spec import PRELOADABLE, CellSpec


def _preload(modules) -> None:
    """The standard library modules students use, and those of :data:`PRELOADABLE` asked for (the assignment's,
    or later a cell's whose code imports one): imported once here, every cell forked after has them."""
    import collections, copy, functools, itertools, math, random, re, string, typing  # noqa: E401,F401
    import heapq, operator, dataclasses, unicodedata  # noqa: E401,F401

    if "numpy" in modules or "torch" in modules:
        import numpy  # noqa: F401
    if "torch" in modules and "torch" not in sys.modules:
        import torch

        torch.set_num_threads(1)  # a fork after multi-threaded torch work can hang (SANDBOX-NOTES)
        import torch.nn.functional  # noqa: F401


def _reap(*_):
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass


def _spawn(spec: CellSpec, chan_fd: int, out_fd: int) -> dict:
    """Fork the cell; returns its pid (the pid-namespace init when namespaces apply) and its CPU-time file."""
    report_r, report_w = os.pipe()
    zygote = os.getpid()
    pid = os.fork()
    if pid:
        os.close(report_w)
        with os.fdopen(report_r, "rb") as f:
            data = f.read()
        return json.loads(data) if data else {"pid": -1}
    # first child: still privileged; it stays outside the cell to remove the cell's cgroup when it is gone
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.close(report_r)
        applied = protect.close_inherited_fds({chan_fd, out_fd, report_w} | cgroups.fds())
        applied += protect.die_with_parent(zygote)
        applied += protect.apply(protect.BEFORE_FORK, spec)
        pidns = "pidns" in applied
        cell = os.fork() if pidns else 0
        if cell:
            cgroups.leave()
            os.write(report_w, json.dumps({"pid": cell, "cpu_file": cgroups.cpu_file()}).encode())
            os.close(report_w)
            os.close(chan_fd)
            os.close(out_fd)
            os.waitpid(cell, 0)  # pid 1 of its namespace: when it is gone, every process of the cell is gone
            cgroups.remove()
            os._exit(0)
        if not pidns:
            os.write(report_w, json.dumps({"pid": os.getpid(), "cpu_file": cgroups.cpu_file()}).encode())
        os.close(report_w)
        applied += protect.apply(protect.INSIDE, spec)
        os.dup2(out_fd, 1)
        os.dup2(out_fd, 2)
        os.close(out_fd)
        sock = socket.socket(fileno=chan_fd)
        sock.sendall(wire.pack({"ready": True, "protections": sorted(set(applied)), "timings": protect.TIMINGS}, []))
        server.serve(sock, spec.device)
    except BaseException as exc:  # noqa: BLE001
        try:
            os.write(2, f"cell setup failed: {exc!r}\n".encode())
        finally:
            os._exit(70)
    os._exit(0)


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; cells inherit this
    control = socket.socket(fileno=int(sys.argv[1]))
    _preload([m for m in (sys.argv[2] if len(sys.argv) > 2 else "torch").split(",") if m in PRELOADABLE])
    signal.signal(signal.SIGCHLD, _reap)
    try:
        control.sendall(b"ready\n")
    except OSError:  # the parent closed before it needed us
        return
    try:
        _serve(control)
    finally:
        cgroups.sweep_own()  # the spare cgroup, and any a failed cell left


def _serve(control: socket.socket) -> None:
    prepared = False
    while True:
        try:
            msg, fds, _, _ = socket.recv_fds(control, 1 << 16, 2)
        except InterruptedError:
            continue
        except OSError:  # the parent went away (a reset if it never read our "ready"): same as EOF
            return
        if not msg:
            return
        try:
            spec = CellSpec.from_json(msg)
            _preload(spec.preload)  # a cell whose code imports torch where the assignment preloads none
            if not prepared:  # once: cgroup parents, the seccomp program, pivot_root into the minimal root
                protect.prepare_zygote(spec)
                prepared = True
            reply = _spawn(spec, fds[0], fds[1])
        except Exception as exc:  # noqa: BLE001 - report, keep serving
            reply = {"error": repr(exc)}
        finally:
            for fd in fds:
                try:
                    os.close(fd)
                except OSError:
                    pass
        control.sendall(json.dumps(reply).encode() + b"\n")
        if prepared:
            cgroups.take_spare()
            cgroups.make_spare(spec)  # the next cell's cgroup, while the parent uses this one


if __name__ == "__main__":
    main()
