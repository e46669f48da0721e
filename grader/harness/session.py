"""One submission's sandbox session: its cells, reloads, the timeout budget, tracebacks to notebook cells.

A :class:`StudentSandbox` forks a fresh cell when the last one crashed or timed out, loads the extracted
source into it (ahead of time, while the submission before it is graded, where the plugin asks: ``prefetch``),
sends requests with the test's deadline, and maps student tracebacks back to "cell 7, line 3" (at most
``SHOWN_FRAMES`` frames, each quoted line shortened: a traceback is never larger than a few KiB). After ``MAX_TIMEOUTS`` calls ran out of time, the remaining tests fail at once.
"""
from __future__ import annotations

import ast
from dataclasses import replace

from grader.errors import GraderError, SubmissionError
from grader.harness.outcomes import StudentError
from grader.harness.placement import Placement
from grader.intake.extract import Extraction
from grader.sandbox.client import Cell, CellDied, Overdue, StudentException
from grader.sandbox.spec import PRELOADABLE, CellSpec

MAX_TIMEOUTS = 3  # after this many calls ran out of time, a submission's remaining tests fail at once
SHOWN_FRAMES = 8  # innermost frames of a student traceback shown
QUOTE = 160  # characters of a quoted source line


def with_imports(spec: CellSpec, source: str) -> CellSpec:
    """``spec``, asking the zygote to preload what of :data:`PRELOADABLE` the student's code imports and the
    assignment does not preload (``import torch`` in a BPE notebook: imported once in the zygote, not per cell)."""
    wanted = set(PRELOADABLE) - set(spec.preload)
    if not wanted or not any(m in source for m in wanted):
        return spec
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return spec
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    found = {name.split(".")[0] for name in names} & wanted
    return replace(spec, preload=tuple(m for m in PRELOADABLE if m in found or m in spec.preload)) if found else spec


class StudentSandbox:
    """One submission's cells; ``zygotes(hash_seed)`` gives the warm zygote to fork from."""

    def __init__(self, extraction: Extraction | None, unusable: SubmissionError | None, zygotes, spec: CellSpec,
                 timeout: float, placement: Placement | None = None):
        self.extraction, self.unusable, self.zygotes = extraction, unusable, zygotes
        self.placement = placement  # a cell moves to the worker's core when a test first uses it (harness/placement.py)
        self.homed: Cell | None = None  # the cell last moved
        self.spec = with_imports(spec, extraction.source) if extraction is not None else spec
        self.timeout = timeout
        self.hash_seed = 0
        self.cell: Cell | None = None
        self.protections: tuple[str, ...] = ()
        self.load_error = ""
        self.timeouts = 0
        self.starved = False  # a call timed out only because it could not get a CPU: its test runs again, alone
        self.rerunning = False
        self.owner: StudentSandbox | None = None  # a fresh cell's submission box: its starved call reruns the test
        self.children: list[StudentSandbox] = []
        self.kinds: dict[str, str] = {}  # names probed in the current cell (see :meth:`probe`)
        self.memo: dict = {}  # test helpers' facts about this submission's code (StudentProxy._grader_memo)
        self.pending = None  # the load request sent to the cell, its reply not read yet (see prefetch)
        self.spares: dict[int, StudentSandbox] = {}  # fresh cells made ready ahead, by hash seed
        self.seeds_used: set[int] = set()  # hash seeds tests asked fresh cells of (the next submission's spares)

    def prefetch(self, seeds: tuple[int, ...] = ()) -> None:
        """Fork this submission's cell and send its code now, without waiting for the reply (:meth:`ensure` reads
        it): it loads while the submission before it is graded. A fresh cell for each of ``seeds`` (the hash
        seeds earlier submissions' tests asked :meth:`fresh` for) is made ready the same way. Nothing here
        fails: whatever goes wrong happens again, and is reported, when a test first uses the cell."""
        if self.unusable is not None:
            return
        if self.cell is None:
            try:
                self._start()
            except (CellDied, GraderError, OSError):
                pass
        for seed in seeds:
            if seed not in self.spares:
                self.spares[seed] = self._sibling(seed)
                self.spares[seed].prefetch()

    def fresh(self, hash_seed: int = 0) -> "StudentSandbox":
        """The same submission in a new cell, forked from the zygote with this string-hash seed."""
        box = self.spares.pop(hash_seed, None) or self._sibling(hash_seed)
        box.timeout = self.timeout  # the asking test's limit (its `timeout` marker), not the one at prefetch
        box.rerunning = self.rerunning
        self.children.append(box)
        self.seeds_used.add(hash_seed)
        return box

    def drop_spares(self) -> None:
        for spare in self.spares.values():
            spare.close()
        self.spares.clear()

    def _sibling(self, hash_seed: int) -> "StudentSandbox":
        box = StudentSandbox(self.extraction, self.unusable, self.zygotes, self.spec, self.timeout, self.placement)
        box.hash_seed, box.rerunning, box.owner = hash_seed, self.rerunning, self.owner or self
        return box

    def _start(self) -> None:
        """A new cell, its load request sent; the test that needs the cell reads the reply."""
        self.kinds, self.pending = {}, None
        self.cell = self.zygotes(self.hash_seed).cell(self.spec)
        self.protections = self.cell.protections
        load = {"op": "load", "source": self.extraction.source, "probe": list(self.extraction.symbols)}
        self.pending = self.cell.submit(load, [], self.timeout, "loading your code")

    def ensure(self) -> Cell:
        if self.unusable is not None:
            raise StudentError(self.unusable.message)
        if self.timeouts >= MAX_TIMEOUTS:
            raise StudentError(f"Not run: your code already ran out of time {self.timeouts} times, so the remaining "
                               "tests were not started (look for an infinite loop or a call that waits).")
        try:
            ahead = self.pending is not None and self.cell is not None and self.cell.alive  # sent by prefetch
            if self.cell is None or not self.cell.alive:
                self._start()
            if self.placement is not None and self.homed is not self.cell:  # forked (and loaded) on the zygotes' cores
                # a test rerun because its cell was starved runs on every core: never squeezed on one again
                Placement.pin(self.cell.pid, self.placement.before if self.rerunning else self.placement.home)
                self.homed = self.cell
            if self.pending is not None:
                pending, self.pending = self.pending, None
                try:
                    kinds = self.cell.collect(pending, self.timeout, ahead)
                except Overdue:  # loaded ahead, maybe in time, maybe not: loaded again now, exactly as alone
                    self._start()
                    pending, self.pending = self.pending, None
                    kinds = self.cell.collect(pending, self.timeout)
                if type(kinds) is dict:  # the cell is not trusted: only what a probe could have said is kept
                    self.kinds = {name: kind for name, kind in kinds.items()
                                  if name in self.extraction.symbols and kind in ("function", "class")}
        except StudentException as exc:
            self.cell.kill()
            self.load_error = ("Your code failed while it was being loaded (definitions, imports and "
                               "constants run at load time):\n" + self.explain(exc))
            raise StudentError(self.load_error) from None
        except CellDied as exc:
            raise self._died(exc) from None
        return self.cell

    def probe(self, name: str) -> str:
        """What ``name`` is in the student's namespace ("function", "class", "value" or "missing"), asked once per
        cell for a function or a class (a test looks up ``build_bpe`` before every call: one round trip each).
        Remembering is safe: if the code rebinds the name later, the call itself reports what it then is."""
        cell = self.ensure()
        kind = self.kinds.get(name) if self.cell is cell else None
        if kind is None:
            kind = self.request({"op": "probe", "name": name}, [], f"looking up {name}")
            if kind in ("function", "class") and self.cell is cell:
                self.kinds[name] = kind
        return kind

    def request(self, header: dict, buffers: list[bytes], what: str):
        cell = self.ensure()
        try:
            return cell.request(header, buffers, self.timeout, what)
        except StudentException as exc:
            raise StudentError(f"{what} raised an exception:\n{self.explain(exc)}") from None
        except CellDied as exc:
            raise self._died(exc) from None

    def _died(self, exc: CellDied) -> StudentError:
        """A dead cell fails the test; timeouts count towards the submission's budget, except a starved one (it
        could not get a CPU: ``Budget.starved``) the first time: :mod:`grader.harness.fairness` reruns its test."""
        if exc.starved and not self.rerunning:
            (self.owner or self).starved = True
            return StudentError(str(exc))
        self.timeouts += exc.timed_out
        return StudentError(f"{exc} (time limit: {self.timeout:g} s per call)" if exc.timed_out else str(exc))

    def output(self) -> str:
        return self.cell.take_output() if self.cell is not None else ""

    def close(self) -> None:
        for child in self.children:
            child.close()
        self.drop_spares()
        if self.cell is not None:
            self.cell.kill()
            self.cell = None

    def explain(self, exc: StudentException) -> str:
        lines = [f"{exc.type_name}: {exc.message}".rstrip()]
        source = self.extraction.source.split("\n") if self.extraction else []
        frames = [(line, func) for file, line, func in exc.frames if file == "<student>" and type(line) is int]
        hidden = len(frames) - SHOWN_FRAMES + exc.dropped
        if hidden > 0:
            lines.append(f"  … {hidden} outer frames not shown")
        for line, func in frames[-SHOWN_FRAMES:]:
            text = source[line - 1].strip() if 0 < line <= len(source) else ""
            text = text if len(text) <= QUOTE else text[:QUOTE] + f"… ({len(text) - QUOTE} more characters)"
            lines.append(f"  in {func[:80]}, {self.extraction.locate(line)}: {text}")
        return "\n".join(lines)
