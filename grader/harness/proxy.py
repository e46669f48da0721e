"""What tests hold: ``student`` (a proxy into the cell) and remote handles to objects living there.

``student.build_bpe(corpus, 15)`` sends the arguments as plain data and returns plain data; a value of a
type that may not cross fails the test with a message naming the type. Calls go through the submission's
:class:`~grader.harness.session.StudentSandbox`.
"""
from __future__ import annotations

from grader.harness.outcomes import StudentError
from grader.harness.session import StudentSandbox
from grader.sandbox import wire as _wire
from grader.sandbox.client import CALLABLE

__all__ = ["RemoteFunction", "RemoteObject", "StudentError", "StudentProxy", "describe"]


def describe(value) -> str:
    """'a `MyList`', 'a dict', 'None': how a returned value's type is named to a student."""
    if value is None:
        return "None"
    if type(value) is _wire.Foreign:
        return f"a `{value.type_name}` (only plain data can be graded)"
    if type(value) is _wire.Handle:
        return f"a `{value.class_name}` object"
    if isinstance(value, RemoteObject):
        return f"a `{value._handle.class_name}` object (it stays in the sandbox; plain data was expected)"
    return f"a {type(value).__name__}"


def _a(value) -> str:
    """'an int', 'a list', 'None'."""
    kind = type(value).__name__
    return "None" if value is None else ("an " if kind[0] in "aeiou" else "a ") + kind


def wrap(box: StudentSandbox, value, what: str):
    """A decoded reply as tests see it: handles become :class:`RemoteObject`; foreign values fail the test."""
    foreign = _find_foreign(value)
    if foreign is not None:
        where = "" if foreign is value else f" containing {describe(foreign)}"
        raise StudentError(f"{what} returned {describe(value)}{where}; return plain Python data "
                           "(list, dict, str, int, float) or tensors.")
    return _wrap(box, value)


def _wrap(box, value):
    return _wire.map_handles(value, lambda handle: RemoteObject(box, handle))


def call(box: StudentSandbox, target: int | None, name: str, args: tuple, kwargs: dict, label: str,
         return_args: bool = False, discard: bool = False):
    buffers: list[bytes] = []
    header = {"op": "call", "target": target, "name": name, "return_args": return_args, "discard": discard,
              "args": _wire.encode(list(args), buffers, _unwrap), "kwargs": _wire.encode(kwargs, buffers, _unwrap)}
    return wrap(box, box.request(header, buffers, label), label)


def getattr_(box: StudentSandbox, target: int | None, name: str, label: str):
    return box.request({"op": "getattr", "target": target, "name": name}, [], label)


def _unwrap(obj):
    return _wire.Handle(obj._handle.id, obj._handle.class_name) if isinstance(obj, RemoteObject) else None


def _find_foreign(value):
    if type(value) is _wire.Foreign:
        return value
    if type(value) in (list, tuple):
        if set(map(type, value)) <= _wire.SCALARS:  # words or numbers: nothing foreign (checked in C)
            return None
        return next((f for f in map(_find_foreign, value) if f is not None), None)
    if type(value) is dict:
        return next((f for f in map(_find_foreign, value.values()) if f is not None), None)
    return None


class RemoteFunction:
    def __init__(self, box: StudentSandbox, target: int | None, name: str, label: str):
        self._box, self._target, self._name, self._label = box, target, name, label

    def __call__(self, *args, **kwargs):
        return call(self._box, self._target, self._name, args, kwargs, self._label)

    def for_effect(self, *args, **kwargs) -> None:
        """Call for the side effect; the result stays in the cell (e.g. ``load_state_dict``)."""
        call(self._box, self._target, self._name, args, kwargs, self._label, discard=True)

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
        value = getattr_(self._box, self._handle.id, name, label)
        if value is CALLABLE:
            return RemoteFunction(self._box, self._handle.id, name, label)
        return wrap(self._box, value, label)

    def __call__(self, *args, **kwargs):
        return call(self._box, self._handle.id, "__call__", args, kwargs, f"{self._handle.class_name}(...)")

    def _grader_method(self, name: str) -> RemoteFunction:
        """A method called without reading the attribute first (one round trip, not two): ``eval``,
        ``load_state_dict``. A missing or non-callable attribute fails the call as the student's error."""
        return RemoteFunction(self._box, self._handle.id, name, f"{self._handle.class_name}.{name}")

    def __repr__(self) -> str:
        return f"<student {self._handle.class_name} object>"


class StudentProxy:
    """The ``student`` fixture: attribute access reaches the student's namespace in the cell."""

    def __init__(self, box: StudentSandbox):
        self._box = box

    def __repr__(self) -> str:  # as pytest's assertion message names it to the student (no object address)
        return "<your code>"

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        kind = self._box.probe(name)
        if kind == "missing":
            where = self._box.extraction.why_missing(name) if self._box.extraction else None
            raise StudentError(f"`{name}` is not defined in your notebook (it must be defined at the top level of "
                               f"a cell){f': {where}' if where else ''}. Only the tests that use it fail.")
        if kind in ("function", "class"):
            return RemoteFunction(self._box, None, name, name)
        value = wrap(self._box, getattr_(self._box, None, name, name), name)
        graded = self._box.extraction.symbols if self._box.extraction is not None else ()
        if name in graded and not isinstance(value, RemoteObject):  # tests call it: say so, as the student's error
            raise StudentError(f"`{name}` is {_a(value)} in your notebook, not a function or a class: it must be "
                               "defined with `def` or `class` (is it overwritten by a later cell?).")
        return value

    def _grader_set_global(self, name: str, value) -> None:
        self._grader_set_globals({name: value})

    def _grader_set_globals(self, values: dict) -> None:
        """Set module variables (the course's d_model, num_heads, d_k), in this order, in one round trip."""
        buffers: list[bytes] = []
        tree = _wire.encode(dict(values), buffers, _unwrap)
        self._box.request({"op": "setglobals", "values": tree}, buffers, f"setting {', '.join(values)}")

    def _grader_call_and_args(self, name: str, *args, **kwargs) -> list:
        """Call ``name``; return [its result, its positional arguments as they are afterwards]."""
        return call(self._box, None, name, args, kwargs, name, return_args=True)

    def _grader_memo(self) -> dict:
        """Scratch space for test helpers, for the whole submission: facts about its code that no input changes
        (which constructor forms its class's signature refuses), so later tests need not ask the cell again."""
        return self._box.memo

    def _grader_fresh(self, hash_seed: int = 0) -> "StudentProxy":
        """The same submission in a new cell, forked from a zygote with this string-hash seed."""
        return StudentProxy(self._box.fresh(hash_seed))
