"""What tests hold: ``student`` (a proxy into the cell) and remote handles to objects living there.

``student.build_bpe(corpus, 15)`` sends the arguments as plain data and returns plain data; a value
of a type that may not cross fails the test with a message naming the type. A :class:`StudentSandbox`
owns one submission's cell: it forks a fresh one when the last crashed or timed out, loads the
extracted source into it, and maps student tracebacks back to notebook cells.
"""
from __future__ import annotations

from grader import _wire
from grader.errors import SubmissionError
from grader.extract import Extraction
from grader.sandbox import CALLABLE, Cell, CellDied, StudentException
from grader.testing import describe


class StudentError(AssertionError):
    """Student code raised, or its cell died: a failed test with a message for the student."""


MAX_TIMEOUTS = 3  # after this many calls ran out of time, a submission's remaining tests fail at once


class StudentSandbox:
    """One submission's cells; ``zygotes(hash_seed)`` gives the warm zygote to fork from."""

    def __init__(self, extraction: Extraction | None, unusable: SubmissionError | None, zygotes, want: dict,
                 timeout: float):
        self.extraction, self.unusable, self.zygotes, self.want = extraction, unusable, zygotes, want
        self.timeout = timeout
        self.hash_seed = 0
        self.cell: Cell | None = None
        self.protections: tuple[str, ...] = ()
        self.load_error = ""
        self.timeouts = 0
        self.children: list[StudentSandbox] = []

    def ensure(self) -> Cell:
        if self.unusable is not None:
            raise StudentError(self.unusable.message)
        if self.timeouts >= MAX_TIMEOUTS:
            raise StudentError(f"Not run: your code already ran out of time {self.timeouts} times, so the remaining "
                               "tests were not started (look for an infinite loop or a call that waits).")
        if self.cell is None or not self.cell.alive:
            self.cell = self.zygotes(self.hash_seed).cell(self.want)
            self.protections = self.cell.protections
            try:
                self.cell.request({"op": "load", "source": self.extraction.source}, [], self.timeout,
                                  "loading your code")
            except StudentException as exc:
                self.cell.kill()
                self.load_error = ("Your code failed while it was being loaded (definitions, imports and "
                                   "constants run at load time):\n" + self.explain(exc))
                raise StudentError(self.load_error) from None
            except CellDied as exc:
                raise self._died(exc) from None
        return self.cell

    def request(self, header: dict, buffers: list[bytes], what: str):
        cell = self.ensure()
        try:
            return cell.request(header, buffers, self.timeout, what)
        except StudentException as exc:
            raise StudentError(f"{what} raised an exception:\n{self.explain(exc)}") from None
        except CellDied as exc:
            raise self._died(exc) from None

    def _died(self, exc: CellDied) -> StudentError:
        """A dead cell fails the test; timeouts count towards the submission's budget."""
        self.timeouts += exc.timed_out
        return StudentError(str(exc))

    def output(self) -> str:
        return self.cell.take_output() if self.cell is not None else ""

    def close(self) -> None:
        for child in self.children:
            child.close()
        if self.cell is not None:
            self.cell.kill()
            self.cell = None

    def explain(self, exc: StudentException) -> str:
        lines = [f"{exc.type_name}: {exc.message}".rstrip()]
        source = self.extraction.source.split("\n") if self.extraction else []
        for file, line, func in exc.frames:
            if file == "<student>" and type(line) is int:
                text = source[line - 1].strip() if 0 < line <= len(source) else ""
                lines.append(f"  in {func}, {self.extraction.locate(line)}: {text}")
        return "\n".join(lines)

    # -- values
    def wrap(self, value, what: str):
        foreign = _find_foreign(value)
        if foreign is not None:
            where = "" if foreign is value else f" containing {describe(foreign)}"
            raise StudentError(f"{what} returned {describe(value)}{where}; return plain Python data "
                               "(list, dict, str, int, float) or tensors.")
        return self._wrap(value)

    def _wrap(self, value):
        if type(value) is _wire.Handle:
            return RemoteObject(self, value)
        if type(value) is list:
            return [self._wrap(v) for v in value]
        if type(value) is tuple:
            return tuple(self._wrap(v) for v in value)
        if type(value) is dict:
            return {k: self._wrap(v) for k, v in value.items()}
        return value

    def call(self, target: int | None, name: str, args: tuple, kwargs: dict, label: str,
             return_args: bool = False, discard: bool = False):
        buffers: list[bytes] = []
        header = {"op": "call", "target": target, "name": name, "return_args": return_args, "discard": discard,
                  "args": _wire.encode(list(args), buffers, _unwrap), "kwargs": _wire.encode(kwargs, buffers, _unwrap)}
        return self.wrap(self.request(header, buffers, label), label)

    def getattr(self, target: int | None, name: str, label: str):
        return self.request({"op": "getattr", "target": target, "name": name}, [], label)


def _unwrap(obj):
    return _wire.Handle(obj._handle.id, obj._handle.class_name) if isinstance(obj, RemoteObject) else None


def _find_foreign(value):
    if type(value) is _wire.Foreign:
        return value
    if type(value) in (list, tuple):
        return next((f for f in map(_find_foreign, value) if f is not None), None)
    if type(value) is dict:
        return next((f for f in map(_find_foreign, value.values()) if f is not None), None)
    return None


class RemoteFunction:
    def __init__(self, box: StudentSandbox, target: int | None, name: str, label: str):
        self._box, self._target, self._name, self._label = box, target, name, label

    def __call__(self, *args, **kwargs):
        return self._box.call(self._target, self._name, args, kwargs, self._label)

    def for_effect(self, *args, **kwargs) -> None:
        """Call for the side effect; the result stays in the cell (e.g. ``load_state_dict``)."""
        self._box.call(self._target, self._name, args, kwargs, self._label, discard=True)

    def __repr__(self) -> str:
        return f"<student function {self._label}>"


class RemoteObject:
    """A live object in the cell (an ``nn.Module``, say); methods and attributes are read remotely."""

    def __init__(self, box: StudentSandbox, handle: _wire.Handle):
        self._box, self._handle = box, handle

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        label = f"{self._handle.class_name}.{name}"
        value = self._box.getattr(self._handle.id, name, label)
        if value is CALLABLE:
            return RemoteFunction(self._box, self._handle.id, name, label)
        return self._box.wrap(value, label)

    def __call__(self, *args, **kwargs):
        return self._box.call(self._handle.id, "__call__", args, kwargs, f"{self._handle.class_name}(...)")

    def __repr__(self) -> str:
        return f"<student {self._handle.class_name} object>"


class StudentProxy:
    """The ``student`` fixture: attribute access reaches the student's namespace in the cell."""

    def __init__(self, box: StudentSandbox):
        self._box = box

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        kind = self._box.request({"op": "probe", "name": name}, [], f"looking up {name}")
        if kind == "missing":
            raise StudentError(f"`{name}` is not defined in your notebook (or was not extracted: it must be "
                               "defined at the top level of a cell).")
        if kind in ("function", "class"):
            return RemoteFunction(self._box, None, name, name)
        return self._box.wrap(self._box.getattr(None, name, name), name)

    def _grader_set_global(self, name: str, value) -> None:
        buffers: list[bytes] = []
        tree = _wire.encode(value, buffers, _unwrap)
        self._box.request({"op": "setglobal", "name": name, "value": tree}, buffers, f"setting {name}")

    def _grader_call_and_args(self, name: str, *args, **kwargs) -> list:
        """Call ``name``; return [its result, its positional arguments as they are afterwards]."""
        return self._box.call(None, name, args, kwargs, name, return_args=True)

    def _grader_fresh(self, hash_seed: int = 0) -> "StudentProxy":
        """The same submission in a new cell, forked from a zygote with this string-hash seed."""
        box = StudentSandbox(self._box.extraction, self._box.unusable, self._box.zygotes, self._box.want,
                             self._box.timeout)
        box.hash_seed = hash_seed
        self._box.children.append(box)
        return StudentProxy(box)
