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
        self.asked: list = []  # the specs asked for last, newest first

    def wait_ready(self) -> None:
        """Starting is asynchronous (so several zygotes import torch at once); the first cell waits."""
        if not self.ready:
            if self.reader.readline() != b"ready\n":
                raise GraderError("the sandbox zygote failed to start", hint="run `grader doctor` to see why")
            self.ready = True

    def cell(self, spec: CellSpec) -> "Cell":
        """A ready cell: one forked ahead of time for the same spec where there is one. Cells fork ahead for the
        specs asked last (two uids alternate, see ``Context.spec_beside``): ``SPARES`` in all, at least one each,
        so a submission's cell and the next one's (loaded ahead, see ``StudentSandbox.prefetch``) are both ready."""
        self.wait_ready()
        cell = self._take(spec)
        self.asked = [spec] + [s for s in self.asked if s != spec][:SPARES - 1]  # newest first
        for old in [c for s, c in self.waiting if s not in self.asked]:  # made for a spec no longer asked for
            old.kill()
        self.waiting = [(s, c) for s, c in self.waiting if s in self.asked]
        want = max(1, SPARES // len(self.asked))
        for s in self.asked:
            ahead = sum(p[0] == s for p in self.spares) + sum(w == s for w, _ in self.waiting)
            self.spares.extend(self._request(s) for _ in range(want - ahead))
        return cell

    def _take(self, spec: CellSpec) -> "Cell":
        for i, (s, cell) in enumerate(self.waiting):
            if s == spec:
                return self.waiting.pop(i)[1]
        while self.spares:  # the zygote answers in order: a started cell of another spec waits for its turn
            pending = self.spares.popleft()
            started = self._finish(pending)
            if pending[0] == spec:
                return started
            self.waiting.append((pending[0], started))
        return self._finish(self._request(spec))

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


class ZygotePool:
    """Warm zygotes of one worker, one per string-hash seed, started on first use, on ``cores`` (None: any)."""

    def __init__(self, preload: tuple[str, ...] = ("torch",)):
        self.zygotes: dict[int, Zygote] = {}
        self.preload = preload
        self.cores: frozenset | None = None  # see :meth:`place`

    def __call__(self, hash_seed: int = 0) -> Zygote:
        self.start(hash_seed)
        return self.zygotes[hash_seed]

    def start(self, *seeds: int) -> None:
        """Start zygotes without waiting for them (each imports what the assignment preloads: they overlap)."""
        for seed in seeds:
            if seed not in self.zygotes:
                self.zygotes[seed] = Zygote(seed, self.preload)
                pin(self.zygotes[seed].proc.pid, self.cores)  # its cells are forked there

    def place(self, cores: frozenset | None) -> None:
        """Run the zygotes (and so the cells they fork from now on) on ``cores``."""
        self.cores = cores
        for zygote in self.zygotes.values():
            pin(zygote.proc.pid, cores)

    def close(self) -> None:
        for zygote in self.zygotes.values():
            zygote.close()
        self.zygotes.clear()


def pin(pid: int, cores: frozenset | None) -> None:
    """Run process ``pid`` on ``cores`` (None: leave it); best effort: a process that is gone, or one this user may
    not move, keeps its cores (:mod:`grader.harness.placement` says which cores)."""
    if cores:
        try:
            os.sched_setaffinity(pid, cores)
        except OSError:
            pass


def _package_root() -> str:
    """The folder holding this ``grader`` package, so cells run this very copy (not one installed elsewhere)."""
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
