"""Recorded reference answers: public tests that compare with the reference, without the reference.

At release time the trusted side runs the public tests with the ``reference`` fixture wrapped in a
:class:`Recorder`: every attribute read, attribute write and call that reaches the solution is keyed by what
was asked (the path, the arguments as wire data, the attributes the test set on the module, and, for a call
that draws random numbers, torch's generator state) and its answer is kept as wire data (JSON; tensors as
dtype, shape and base64 bytes; never pickle). On a student's machine the ``reference`` fixture is a
:class:`Replayer` over that file: it answers the same questions with the recorded values (restoring torch's
generator state after a call that drew from it) and raises :class:`NotRecorded`, a test author's error, for
a question that was never asked at release time. Objects the reference returns (an ``nn.Module``) are
tracked by identity: the object returned by a given call, then the calls made on it, in order.
No code of the solution is ever written: only the answers.
"""
from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

from grader.errors import UsageError
from grader.sandbox import wire

FORMAT = "grader-reference-answers/1"
FILENAME = "reference_answers.json"


class NotRecorded(Exception):
    """A public test asked the reference something release never recorded (a test author's error)."""


def _digest(*parts) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:24]


def _rng_state():
    import torch

    return torch.get_rng_state()


def _encode(value, handle) -> tuple[object, list[bytes]]:
    buffers: list[bytes] = []
    return wire.encode(value, buffers, handle), buffers


def _has_foreign(tree) -> bool:
    if isinstance(tree, dict):
        return "$foreign" in tree or any(_has_foreign(v) for v in tree.values())
    if isinstance(tree, list):
        return any(_has_foreign(v) for v in tree)
    return False


class Tape:
    """The recorded answers: ``entries[key]`` is a list of variants (one per generator state, or one)."""

    def __init__(self, assignment: str, entries: dict | None = None):
        self.assignment, self.entries = assignment, entries or {}
        self.misses: list[str] = []

    def put(self, key: str, variant: dict, what: str) -> None:
        variants = self.entries.setdefault(key, [])
        same = next((v for v in variants if v.get("rng") == variant.get("rng")), None)
        if same is None:
            variants.append(variant)
        elif (same["value"], same["buffers"]) != (variant["value"], variant["buffers"]):
            raise UsageError(f"the reference answered {what} differently on two runs: the public tests must call "
                             "it deterministically (seed torch before calls that draw random numbers)")

    def get(self, key: str, what: str) -> dict:
        variants = self.entries.get(key, [])
        rng = _digest(_rng_state().tolist()) if any(v.get("rng") for v in variants) else None
        found = next((v for v in variants if v.get("rng") == rng), None) or \
            next((v for v in variants if v.get("rng") is None), None)
        if found is None:
            self.misses.append(what)
            raise NotRecorded(f"the recorded reference answers do not cover {what}: the public tests asked the "
                              "reference something release did not record (a problem in the tests, not in your "
                              "code; tell your instructor)")
        return found

    def dump(self, path: Path) -> None:
        data = {"format": FORMAT, "assignment": self.assignment, "entries": dict(sorted(self.entries.items()))}
        path.write_text(json.dumps(data, indent=0, sort_keys=True) + "\n")

    @classmethod
    def load(cls, path: Path) -> "Tape":
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise UsageError(f"cannot read the recorded reference answers {path}: {exc}") from None
        if data.get("format") != FORMAT:
            raise UsageError(f"{path} is not a {FORMAT} file", hint="release the assignment again")
        return cls(data.get("assignment", ""), data.get("entries", {}))


def _pack(tree, buffers: list[bytes]) -> dict:
    return {"value": tree, "buffers": [base64.b64encode(b).decode() for b in buffers]}


def _unpack(variant: dict, objects) -> object:
    buffers = [base64.b64decode(b) for b in variant["buffers"]]
    value = wire.decode(variant["value"], buffers)
    return _objects_in(value, objects)


def _objects_in(value, objects):
    return wire.map_handles(value, lambda handle: objects(handle.class_name))


class _Side:
    """What the recording and the replaying side share: the tape, the module's attributes set by tests, objects."""

    def __init__(self, tape: Tape):
        self.tape = tape
        self.world: dict[str, str] = {}  # attribute set on the module by a test -> digest of its value
        self.objects: dict[str, "Proxy"] = {}  # identity -> the proxy of an object the reference returned

    def arg_key(self, args, kwargs, what: str) -> str:
        tree, buffers = _encode([list(args), kwargs], lambda obj: _as_handle(obj))
        if _has_foreign(tree):
            raise UsageError(f"a public test passed something other than plain data or reference objects to {what}; "
                             "recorded reference answers need plain data (tensors, lists, numbers, str)")
        return _digest(tree, [hashlib.sha256(b).hexdigest() for b in buffers])

    def obj(self, identity: str) -> "Proxy":
        """The proxy of a returned object; ``new:`` marks one born by this call (a fresh history)."""
        if identity.startswith("new:") or identity not in self.objects:
            identity = identity.removeprefix("new:")
            self.objects[identity] = Proxy(self, identity, (), None)
        return self.objects[identity]


def _as_handle(obj):
    if isinstance(obj, Proxy) and not obj._path:
        return wire.Handle(0, "obj:" + obj._identity)
    return None


class Proxy:
    """The ``reference`` fixture, or an object it returned: reads, writes and calls go to the tape."""

    def __init__(self, side: _Side, identity: str, path: tuple[str, ...], real, recording: bool = False):
        d = self.__dict__
        d["_side"], d["_identity"], d["_path"], d["_real"], d["_recording"] = side, identity, path, real, recording
        d["_state"], d["_local"] = identity, {}

    # ------------------------------------------------------------------ keys
    def _owner(self) -> "Proxy":
        return self._side.objects.get(self._identity, self) if self._path else self

    def _key(self, op: str, extra: str) -> str:
        owner = self._owner()
        return _digest(op, owner._state, list(self._path), extra, sorted(self._side.world.items()))

    def _what(self, name: str = "", call: bool = False) -> str:
        label = ".".join(["reference" if self._identity == "module" else "<reference object>", *self._path] +
                         ([name] if name else []))
        return f"`{label}(...)`" if call else f"`{label}`"

    # ------------------------------------------------------------------ reads
    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        if not self._path and name in self._local:
            return self._local[name]
        key, what = self._key("get", name), self._what(name)
        if self._recording:
            value = getattr(self._real, name)
            tree, buffers = _encode(value, _as_handle)
            if callable(value) or _has_foreign(tree):
                self._side.tape.put(key, {"rng": None, "attr": True, "value": None, "buffers": []}, what)
                return Proxy(self._side, self._identity, (*self._path, name), value, True)
            self._side.tape.put(key, {"rng": None, **_pack(tree, buffers)}, what)
            return value
        found = self._side.tape.get(key, what)
        if found.get("attr"):
            return Proxy(self._side, self._identity, (*self._path, name), None)
        return _unpack(found, self._side.obj)

    # ------------------------------------------------------------------ writes
    def __setattr__(self, name: str, value) -> None:
        what = self._what(name)
        digest = self._side.arg_key((value,), {}, what)
        if self._recording:
            setattr(self._real, name, _real_of(value))
        if self._identity == "module" and not self._path:
            self._side.world[name] = digest
            self._local[name] = value
        else:
            owner = self._owner()
            owner.__dict__["_state"] = _digest(owner._state, "set", list(self._path), name, digest)

    # ------------------------------------------------------------------ calls
    def __call__(self, *args, **kwargs):
        what = self._what(call=True)
        key = self._key("call", self._side.arg_key(args, kwargs, what))
        owner = self._owner()
        if owner._identity != "module":
            owner.__dict__["_state"] = _digest(owner._state, key)  # an object's later answers follow its history
        if not self._recording:
            found = self._side.tape.get(key, what)
            if found.get("rng_after") is not None:
                import torch

                torch.set_rng_state(torch.frombuffer(bytearray(base64.b64decode(found["rng_after"])),
                                                     dtype=torch.uint8).clone())
            return _unpack(found, self._side.obj)
        before = _rng_state()
        result = self._real(*[_real_of(a) for a in args], **{k: _real_of(v) for k, v in kwargs.items()})
        after = _rng_state()
        drew = not bool((before == after).all())
        born = []

        def handle(obj):
            known = next((p for p in self._side.objects.values() if p._real is obj), None)
            if known is not None:
                return wire.Handle(0, known._identity)
            known = Proxy(self._side, _digest(key, len(born)), (), obj, True)
            self._side.objects[known._identity] = known
            born.append(known)
            return wire.Handle(0, "new:" + known._identity)

        tree, buffers = _encode(result, handle)
        if _has_foreign(tree):
            raise UsageError(f"{what} returned something that is neither plain data nor an object: it cannot be "
                             "recorded for the students' public tests")
        variant = {"rng": _digest(before.tolist()) if drew else None, **_pack(tree, buffers),
                   "rng_after": base64.b64encode(after.numpy().tobytes()).decode() if drew else None}
        self._side.tape.put(key, variant, what)
        return _objects_in(wire.decode(tree, buffers), lambda identity: self._side.objects[identity.removeprefix("new:")])


def _real_of(value):
    return value._real if isinstance(value, Proxy) else value


def recorder(module, tape: Tape) -> Proxy:
    """The ``reference`` fixture at release time: the real solution, every answer written to ``tape``."""
    return Proxy(_Side(tape), "module", (), module, recording=True)


def replayer(tape: Tape) -> Proxy:
    """The ``reference`` fixture on a student's machine: recorded answers only."""
    return Proxy(_Side(tape), "module", (), None)
