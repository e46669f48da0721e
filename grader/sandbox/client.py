"""The parent's end of the sandbox: a warm zygote per worker and the cells forked from it.

:class:`Zygote` starts ``python -m grader.sandbox.inside.zygote`` once with a scrubbed environment; :meth:`Zygote.cell`
forks a :class:`~grader.sandbox.cell.Cell` in milliseconds (:mod:`grader.sandbox.cell`: a call's budget, the
cell's CPU time with wall-clock as the outer guard, strict replies, capped output, :class:`CellDied`).
"""
from __future__ import annotations

import collections
import json
import os
import socket
import subprocess
import sys
import weakref

from grader.errors import GraderError
from grader.sandbox.cell import CALLABLE, Cell, CellDied, Overdue, StudentException  # noqa: F401 - the parent's one door
from grader.sandbox.spec import CellSpec

SPARES = 2  # cells a zygote keeps forked ahead


class Zygote:
    """A warm interpreter with what ``preload`` names imported (torch, for the attention assignments), forking
    cells on request."""

    def __init__(self, hash_seed: int = 0, preload: tuple[str, ...] = ("torch",)):
        self.hash_seed = hash_seed
        parent, child = socket.socketpair()
        env = {"PATH": "/usr/bin:/bin", "PYTHONHASHSEED": str(hash_seed), "OMP_NUM_THREADS": "1",
               "PYTHONDONTWRITEBYTECODE": "1", "LANG": "C.UTF-8", "PYTHONPATH": _package_root()}
        self.proc = subprocess.Popen([sys.executable, "-m", "grader.sandbox.inside.zygote", str(child.fileno()),
                                      ",".join(preload)],
                                     pass_fds=[child.fileno()], env=env, cwd="/", stdin=subprocess.DEVNULL)
        child.close()
        self.control = parent
        self.reader = parent.makefile("rb")
        self.ready = False
        self.cells: weakref.WeakSet = weakref.WeakSet()  # live cells, killed when the zygote closes
        self.spares: collections.deque = collections.deque()  # cells requested ahead: (spec, channel, output pipe)
        self.waiting: list = []  # (spec, Cell): spares started, kept for their spec (the specs of two uids alternate)

    def wait_ready(self) -> None:
        """Starting is asynchronous (so several zygotes import torch at once); the first cell waits."""
        if not self.ready:
            if self.reader.readline() != b"ready\n":
                raise GraderError("the sandbox zygote failed to start", hint="run `grader doctor` to see why")
            self.ready = True

    def cell(self, spec: CellSpec) -> "Cell":
        """A ready cell: a spare forked ahead of time when it was made for the same spec. ``SPARES`` are kept
        forked ahead: a submission's cell and the next one's (loaded ahead, see ``StudentSandbox.prefetch``) are
        taken one after the other."""
        self.wait_ready()
        cell = next((c for s, c in self.waiting if s == spec), None)  # started for this spec, waiting
        while cell is None and self.spares:  # the zygote answers in order: each started one is kept for its spec
            pending = self.spares.popleft()
            started = self._finish(pending)
            if pending[0] == spec:
                cell = started
            else:
                self.waiting.append((pending[0], started))
        if cell is None:
            cell = self._finish(self._request(spec))
        self.waiting = [(s, c) for s, c in self.waiting if c is not cell]
        while len(self.waiting) > SPARES:  # made for a spec no longer asked for
            self.waiting.pop(0)[1].kill()
        while len(self.spares) < SPARES:  # the next cells fork while this one is in use
            self.spares.append(self._request(spec))
        return cell

    def _request(self, spec: CellSpec) -> tuple:
        chan_parent, chan_child = socket.socketpair()
        out_r, out_w = os.pipe()
        try:
            socket.send_fds(self.control, [spec.to_json()], [chan_child.fileno(), out_w])
        finally:
            chan_child.close()
            os.close(out_w)
        return spec, chan_parent, out_r

    def _finish(self, pending: tuple) -> "Cell":
        spec, chan_parent, out_r = pending
        reply = json.loads(self.reader.readline() or b'{"error": "zygote gone"}')
        if "error" in reply or reply.get("pid", -1) <= 0:
            chan_parent.close()
            os.close(out_r)
            raise GraderError(f"could not start a sandboxed cell: {reply.get('error', 'no pid')}")
        cell = Cell(reply["pid"], chan_parent, out_r, spec.start_timeout, reply.get("cpu_file"))
        self.cells.add(cell)
        return cell

    def close(self) -> None:
        while self.spares:
            try:
                self._finish(self.spares.popleft()).kill()
            except (GraderError, CellDied, OSError, ValueError):
                pass
        for _, cell in self.waiting:  # before the list lets go of them (self.cells holds them weakly)
            cell.kill()
        self.waiting.clear()
        for cell in list(self.cells):
            cell.kill()
        self.reader.close()  # the makefile holds the socket open too: both, so the zygote sees EOF
        self.control.close()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _package_root() -> str:
    """The folder holding this ``grader`` package, so cells run this very copy (not one installed elsewhere)."""
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
