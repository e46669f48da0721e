"""The data-only wire format between the trusted parent and the sandboxed cell.

A frame is a 4-byte big-endian length, a JSON header, then the raw bytes of every buffer the header
declares. Values are JSON with a few tagged forms for what JSON lacks (tuple, dict, bytes, tensors,
non-finite floats, remote handles). Nothing is ever unpickled.

Every request carries an ``id``; the cell's end echoes it as ``re`` on its reply (:func:`read_frame` on the
cell's side remembers the request it read, :func:`pack` stamps the reply), so the parent can tell a reply
from an unsolicited or stale frame.

Two decoders: :func:`decode` (parent side) is strict and builds only genuine builtin types and fresh
tensors; anything it does not recognise is a :class:`ProtocolError`. It is also where text from the cell is
decoded, once: lone surrogates become U+FFFD (:func:`text`), and a reply is capped in items
(``max_items``), not only bytes; each buffer may be used once. The cell's own encoder is not trusted: a
student can replace it, and all that buys them is sending some other plain data.
"""
from __future__ import annotations

import json
import math
import re
import struct
from dataclasses import dataclass
from typing import Callable

MAX_DEPTH = 64
WORDS_MIN = 512  # lists of at least this many str cross as one buffer (a corpus; a long vocabulary)
MAX_DIMS, MAX_DIM = 16, (1 << 31) - 1  # a tensor's rank and each of its sizes
_SURROGATE = re.compile("[\ud800-\udfff]")
_STR = {str}
SCALARS = {str, int, float, bool, type(None)}  # a list of only these holds no handle and nothing foreign
_ANSWERING = {"id": None}  # the cell's end only: the id of the request being answered (one channel per cell)
DTYPES = (
    "float16", "bfloat16", "float32", "float64", "complex64", "complex128",
    "uint8", "int8", "int16", "int32", "int64", "bool",
)


class ProtocolError(Exception):
    """A frame or value that does not follow the wire format (garbled, oversized, unknown tag)."""


@dataclass(frozen=True)
class Handle:
    """A live object that stays in the cell, named by its table id."""

    id: int
    class_name: str


@dataclass(frozen=True)
class Foreign:
    """A value of a type that may not leave the cell; only its type's name crosses."""

    type_name: str


@dataclass(frozen=True)
class OneShot:
    """An argument the cell receives as a one-shot generator over ``items`` (parent → cell only)."""

    items: tuple


# ---------------------------------------------------------------- framing

def text(value: str) -> str:
    """Text from the cell, decoded once: a lone surrogate (which no encoder can write) becomes U+FFFD."""
    return value if value.isascii() else _SURROGATE.sub("\ufffd", value)


def pack(header: dict, buffers: list[bytes]) -> bytes:
    header = dict(header, buffers=[len(b) for b in buffers])
    if "ok" in header and _ANSWERING["id"] is not None:  # a reply from the cell: say which request it answers
        header["re"] = _ANSWERING["id"]
    raw = json.dumps(header, separators=(",", ":"), allow_nan=False).encode()
    return b"".join([struct.pack(">I", len(raw)), raw, *buffers])


def parse_header(raw: bytes) -> tuple[dict, list[int]]:
    try:
        header = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise ProtocolError(f"reply is not valid JSON ({exc.__class__.__name__})") from None
    if type(header) is not dict:
        raise ProtocolError("reply header is not an object")
    sizes = header.get("buffers", [])
    if type(sizes) is not list or not all(type(n) is int and n >= 0 for n in sizes):
        raise ProtocolError("reply declares malformed buffers")
    return header, sizes


def read_frame(read: Callable[[int], bytes], max_bytes: int | None = None,
               max_header: int | None = None) -> tuple[dict, list[bytes]]:
    """One frame from ``read(n)`` (exactly ``n`` bytes, or it raises): the one reader both ends use.

    With ``max_bytes`` (the parent's side) a frame declaring more (or a JSON header over ``max_header``) is a
    :class:`ProtocolError` before its body is read. Without it (the cell's side) the request's id is
    remembered, for :func:`pack` to echo."""
    (n,) = struct.unpack(">I", read(4))
    if max_bytes is not None and n > min(max_bytes, max_header or max_bytes):
        raise ProtocolError(f"sent a reply header larger than {min(max_bytes, max_header or max_bytes) >> 20} MiB")
    header, sizes = parse_header(read(n))
    if max_bytes is None:
        _ANSWERING["id"] = header.get("id")
    elif sum(sizes) + n > max_bytes:
        raise ProtocolError(f"returned more than {max_bytes >> 20} MiB of data")
    return header, [read(size) for size in sizes]


def map_handles(value, fn):
    """``value`` with every :class:`Handle` in its lists, tuples and dicts replaced by ``fn(handle)``."""
    if type(value) is Handle:
        return fn(value)
    if type(value) is list:
        return value if set(map(type, value)) <= SCALARS else [map_handles(v, fn) for v in value]  # type check in C
    if type(value) in (tuple, dict):
        return tuple(map_handles(v, fn) for v in value) if type(value) is tuple else \
            {k: map_handles(v, fn) for k, v in value.items()}
    return value


# ---------------------------------------------------------------- encoding (both sides)

def encode(value, buffers: list[bytes], to_handle=None, _depth: int = 0):
    """Turn plain data into a JSON-able tree, appending raw bytes to ``buffers``.

    ``to_handle(obj)`` is asked for any other object; it returns a :class:`Handle` or None, and None
    encodes the object as foreign (only its type name crosses).
    """
    if _depth > MAX_DEPTH:
        raise ValueError("value nested too deeply")
    t = type(value)
    if value is None or t is bool or t is str:
        return value
    if t is int:
        return value
    if t is float:
        return value if math.isfinite(value) else {"$float": repr(value)}
    if t is list:
        if set(map(type, value)) <= _STR:  # fast path: lists of words (the check runs in C)
            if len(value) >= WORDS_MIN:  # a corpus: one buffer of NUL-separated UTF-8, not a JSON string each
                joined = "\0".join(value)
                if joined.count("\0") == len(value) - 1:  # no word holds a NUL itself
                    buffers.append(joined.encode("utf-8", "surrogatepass"))
                    return {"$words": len(buffers) - 1, "n": len(value)}
            return list(value)
        return [encode(v, buffers, to_handle, _depth + 1) for v in value]
    if t is tuple:
        return {"$tuple": [encode(v, buffers, to_handle, _depth + 1) for v in value]}
    if t is dict or t.__name__ == "OrderedDict" and t.__module__ == "collections":
        if not all(type(k) is str for k in value):
            return {"$foreign": "dict with non-str keys"}
        return {"$dict": [[k, encode(v, buffers, to_handle, _depth + 1)] for k, v in value.items()]}
    if t is bytes:
        buffers.append(value)
        return {"$bytes": len(buffers) - 1}
    if t is Handle:
        return {"$handle": value.id, "class": value.class_name}
    if t is OneShot:
        return {"$iter": [encode(v, buffers, to_handle, _depth + 1) for v in value.items]}
    tensor = _tensor_payload(value)
    if tensor is not None:
        dtype, shape, raw = tensor
        buffers.append(raw)
        return {"$tensor": len(buffers) - 1, "dtype": dtype, "shape": shape}
    handle = to_handle(value) if to_handle else None
    if handle is not None:
        return {"$handle": handle.id, "class": handle.class_name}
    return {"$foreign": f"{t.__module__}.{t.__qualname__}" if t.__module__ != "builtins" else t.__qualname__}


def _tensor_payload(value):
    """(dtype, shape, bytes) for a plain torch tensor or Parameter, None for anything else."""
    t = type(value)
    if t.__module__ not in ("torch", "torch.nn.parameter") or t.__name__ not in ("Tensor", "Parameter"):
        return None
    import torch

    x = value.detach().to("cpu").contiguous()
    dtype = str(x.dtype).removeprefix("torch.")
    if dtype not in DTYPES:
        return None
    raw = x.reshape(-1).view(torch.uint8).numpy().tobytes() if x.numel() else b""
    return dtype, list(x.shape), raw


# ---------------------------------------------------------------- decoding (parent side, strict)

def decode(tree, buffers: list[bytes], _depth: int = 0, cell_side: bool = False, max_items: int | None = None):
    """Rebuild a value from an untrusted tree: only builtin types, fresh tensors, Handle, Foreign.

    ``cell_side`` also accepts what only the parent sends (a one-shot generator). ``max_items`` caps the
    values the tree may hold (the parent's side: a reply of millions of tiny strings is refused)."""
    budget = [max_items if max_items is not None else -1, set(), max_items]  # items left (-1: no cap), buffers used
    return _decode(tree, buffers, _depth, cell_side, budget)


def _decode(tree, buffers, depth, cell_side, budget):
    if depth > MAX_DEPTH:
        raise ProtocolError("value nested too deeply")
    if budget[0] >= 0:
        budget[0] -= 1
        if budget[0] < 0:
            raise ProtocolError(f"returned more than {budget[2]} items (values, list entries and strings)")
    t = type(tree)
    if t is str:
        return text(tree)
    if tree is None or t in (bool, int, float):
        return tree
    if t is list:
        if tree and type(tree[0]) is str and set(map(type, tree)) == _STR:  # a list of words, checked in C
            if budget[0] >= 0:
                budget[0] -= len(tree)
                if budget[0] < 0:
                    raise ProtocolError(f"returned more than {budget[2]} items (values, list entries and strings)")
            return tree if "".join(tree).isascii() else [text(v) for v in tree]  # fresh from json.loads: ours
        return [_decode(v, buffers, depth + 1, cell_side, budget) for v in tree]
    if t is not dict or len(tree) not in (1, 2, 3):
        raise ProtocolError(f"unexpected {t.__name__} in reply")
    if "$float" in tree and len(tree) == 1:
        if tree["$float"] not in ("nan", "inf", "-inf"):
            raise ProtocolError("bad float")
        return float(tree["$float"])
    if "$tuple" in tree and len(tree) == 1 and type(tree["$tuple"]) is list:
        return tuple(_decode(v, buffers, depth + 1, cell_side, budget) for v in tree["$tuple"])
    if "$dict" in tree and len(tree) == 1 and type(tree["$dict"]) is list:
        out = {}
        for pair in tree["$dict"]:
            if type(pair) is not list or len(pair) != 2 or type(pair[0]) is not str:
                raise ProtocolError("bad dict entry")
            out[text(pair[0])] = _decode(pair[1], buffers, depth + 1, cell_side, budget)
        return out
    if "$words" in tree and set(tree) == {"$words", "n"}:
        return _decode_words(tree, buffers, cell_side, budget)
    if cell_side and "$iter" in tree and len(tree) == 1:
        return (v for v in [_decode(v, buffers, depth + 1, cell_side, budget) for v in tree["$iter"]])
    if "$bytes" in tree and len(tree) == 1:
        return bytes(_buffer(buffers, tree["$bytes"], budget))
    if "$tensor" in tree and set(tree) == {"$tensor", "dtype", "shape"}:
        return _decode_tensor(tree, buffers, budget)
    if "$handle" in tree and set(tree) == {"$handle", "class"}:
        if type(tree["$handle"]) is not int or type(tree["class"]) is not str:
            raise ProtocolError("bad handle")
        return Handle(tree["$handle"], text(tree["class"][:200]))
    if "$foreign" in tree and len(tree) == 1 and type(tree["$foreign"]) is str:
        return Foreign(text(tree["$foreign"][:200]))
    raise ProtocolError("unknown tagged value in reply")


def _decode_words(tree, buffers, cell_side, budget):
    """A list of str sent as one NUL-separated UTF-8 buffer: counted as ``n`` items before anything is built,
    and its count checked before it is split (a small ``n`` over a buffer of NULs builds nothing)."""
    n = tree["n"]
    if type(n) is not int or n < 1:
        raise ProtocolError("bad word list")
    if budget[0] >= 0:
        budget[0] -= n
        if budget[0] < 0:
            raise ProtocolError(f"returned more than {budget[2]} items (values, list entries and strings)")
    try:
        joined = bytes(_buffer(buffers, tree["$words"], budget)).decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        raise ProtocolError("a word list that is not UTF-8") from None
    if joined.count("\0") != n - 1:
        raise ProtocolError("a word list that does not hold its count")
    words = joined.split("\0")
    return words if cell_side or joined.isascii() else [text(w) for w in words]


def _buffer(buffers, index, budget):
    """A buffer by index; each may be used once (one raw buffer named a million times would be copied as often)."""
    if type(index) is not int or not 0 <= index < len(buffers):
        raise ProtocolError("reference to a missing buffer")
    if index in budget[1]:
        raise ProtocolError("a buffer used twice")
    budget[1].add(index)
    return buffers[index]


def _decode_tensor(tree, buffers, budget):
    import torch

    dtype, shape = tree["dtype"], tree["shape"]
    if (dtype not in DTYPES or type(shape) is not list or len(shape) > MAX_DIMS
            or not all(type(n) is int and 0 <= n <= MAX_DIM for n in shape)):
        raise ProtocolError("bad tensor header (unknown dtype, or a shape out of range)")
    raw = _buffer(buffers, tree["$tensor"], budget)
    torch_dtype = getattr(torch, dtype)
    numel = math.prod(shape)
    if numel * torch.empty((), dtype=torch_dtype).element_size() != len(raw):
        raise ProtocolError("tensor size does not match its shape")
    try:
        if numel == 0:
            return torch.empty(shape, dtype=torch_dtype)
        if dtype == "bool":  # only 0 and 1 are booleans: any other byte is read as True
            return torch.frombuffer(bytearray(raw), dtype=torch.uint8).ne(0).reshape(shape)
        return torch.frombuffer(bytearray(raw), dtype=torch_dtype).reshape(shape)  # its own copy of the bytes
    except (RuntimeError, ValueError, OverflowError, MemoryError) as exc:
        raise ProtocolError(f"a tensor that cannot be built ({exc.__class__.__name__})") from None
