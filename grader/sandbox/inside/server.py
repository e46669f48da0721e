"""The cell's server: the sandboxed child's side of the channel. It runs student code and nothing else.

It receives the extracted student source, executes it in a fresh namespace (replying with what the names the
tests will look up are: function, class, value or missing), then serves calls
(``call``, ``getattr``, ``setglobals``, ``probe``) until the parent kills it. Replies are plain data
(:mod:`grader.sandbox.wire`); live objects such as ``nn.Module`` instances stay here in a handle table.
This module is imported by the zygote before any fork, so it must import nothing secret, and it
must not import lazily: after privileges drop, the grader's files are unreadable.
"""
from __future__ import annotations

import builtins
import os
import sys
import time
import traceback

from grader.sandbox import wire as _wire

STUDENT_FILE = "<student>"
_PLAIN = {str, int, float, bool, type(None)}


class _Cell:
    def __init__(self, sock, device: str):
        self.sock = sock
        self.device = device
        self.ns: dict = {}
        self.handles: dict[int, object] = {}
        self.inbox = bytearray()

    # -- framing (the cell trusts the parent; the parent does not trust the cell)
    def recv(self):
        return _wire.read_frame(self._exact)

    def _exact(self, n: int) -> bytes:
        """``n`` bytes of the request: what the channel holds is read at once (a frame's length and body arrive
        together), the rest kept for the next read."""
        inbox = self.inbox
        while len(inbox) < n:
            chunk = self.sock.recv(max(n - len(inbox), 1 << 16))
            if not chunk:
                os._exit(0)
            inbox += chunk
        data = bytes(inbox[:n])
        del inbox[:n]
        return data

    def send(self, header: dict, buffers: list[bytes]) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        self.sock.sendall(_wire.pack(header, buffers))

    # -- values
    def to_handle(self, obj):
        if isinstance(obj, type) or callable(obj) and not hasattr(obj, "__dict__"):
            return None
        cls = type(obj)
        if any(c.__name__ == "Tensor" and c.__module__ == "torch" for c in cls.__mro__):
            return None  # a tensor subclass never crosses, not even as a handle: only its type's name does
        is_module = any(c.__module__.startswith("torch.nn") and c.__name__ == "Module" for c in cls.__mro__)
        if is_module or cls.__module__ == "student" and not isinstance(obj, (list, dict, str, tuple, int, float)):
            self.handles[id(obj)] = obj
            return _wire.Handle(id(obj), cls.__qualname__)
        return None

    def arg(self, value):
        """Parent values to live objects: handles back to their objects, tensors onto the device."""
        if type(value) is _wire.Handle:
            return self.handles[value.id]
        if type(value) is list:
            if set(map(type, value)) <= _PLAIN:  # a list of words or numbers has nothing to convert (checked in C)
                return value
            return [self.arg(v) for v in value]
        if type(value) is tuple:
            return tuple(self.arg(v) for v in value)
        if type(value) is dict:
            return {k: self.arg(v) for k, v in value.items()}
        if self.device != "cpu" and type(value).__name__ == "Tensor":
            return value.to(self.device)
        return value

    # -- operations
    def kind(self, name: str) -> str:
        obj = self.ns.get(name, _MISSING)
        return "missing" if obj is _MISSING else ("class" if isinstance(obj, type) else
                                                  "function" if callable(obj) else "value")

    def handle(self, header: dict, buffers: list[bytes]):
        op = header["op"]
        if op == "load":
            self.ns = {"__name__": "student", "__builtins__": builtins}
            exec(compile(header["source"], STUDENT_FILE, "exec", dont_inherit=True), self.ns)  # its own __future__ flags, not ours
            return {name: self.kind(name) for name in header.get("probe", ())}  # the names tests will look up
        if op == "probe":
            return self.kind(header["name"])
        if op == "setglobals":  # several module variables in one round trip (the course's d_model, num_heads, d_k)
            for name, value in _wire.decode(header["values"], buffers, cell_side=True).items():
                self.ns[name] = self.arg(value)
            return None
        target = self.ns if header.get("target") is None else self.handles[header["target"]]
        name = header["name"]
        if target is self.ns and name not in self.ns:  # the code deleted its own function after it was looked up
            raise NameError(f"name {name!r} is not defined (any more: did your code delete or rebind it?)")
        obj = target[name] if target is self.ns else getattr(target, name)
        if op == "getattr":
            return _CALLABLE if callable(obj) and self.to_handle(obj) is None else obj
        args = self.arg(_wire.decode(header["args"], buffers, cell_side=True))
        kwargs = self.arg(_wire.decode(header["kwargs"], buffers, cell_side=True))
        result = obj(*args, **kwargs)
        if header.get("discard"):
            return None
        return [result, args] if header.get("return_args") else result

    def serve(self) -> None:
        while True:
            header, buffers = self.recv()
            started = time.perf_counter()
            try:
                value = self.handle(header, buffers)
                spent = time.perf_counter() - started
                if value is _CALLABLE:
                    self.send({"ok": True, "callable": True, "t": spent}, [])
                    continue
                out: list[bytes] = []
                tree = _wire.encode(value, out, self.to_handle)
                self.send({"ok": True, "value": tree, "t": spent}, out)
            except BaseException as exc:  # noqa: BLE001 - every student failure is data
                if isinstance(exc, SystemExit):
                    os._exit(0)
                self.send({"ok": False, "error": describe(exc)}, [])


_MISSING = object()
_CALLABLE = object()


def describe(exc: BaseException) -> dict:
    """A student exception as plain data: type, message and the frames that are the student's."""
    try:
        message = str(exc)[:4000]
    except BaseException:  # noqa: BLE001 - a student's __str__ may raise
        message = "<message unavailable>"
    frames = [
        [f.filename if f.filename == STUDENT_FILE else os.path.basename(f.filename or ""), f.lineno or 0, f.name]
        for f in traceback.extract_tb(exc.__traceback__)
    ]
    return {"type": type(exc).__name__[:200], "message": message, "frames": frames[-30:]}


def serve(sock, device: str) -> None:
    """Entry point in the forked child, after protections are in place."""
    if device.startswith("cuda"):
        import torch

        torch.cuda.init()
    _Cell(sock, device).serve()
