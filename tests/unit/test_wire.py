"""The data-only channel: round trips, and a strict parent-side decoder."""
import math

import pytest
import torch

from grader.sandbox import wire as _wire


def roundtrip(value):
    buffers = []
    tree = _wire.encode(value, buffers)
    return _wire.decode(tree, buffers)


def test_plain_values_round_trip():
    value = {"a": [1, 2.5, "x", None, True, (1, "t")], "b": b"\x00\x01", "nan": float("nan")}
    back = roundtrip(value)
    assert back["a"] == [1, 2.5, "x", None, True, (1, "t")] and back["b"] == b"\x00\x01"
    assert math.isnan(back["nan"])


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.bfloat16, torch.int64, torch.bool])
def test_tensors_round_trip_exactly(dtype):
    x = (torch.randn(2, 3, 4) * 10).to(dtype)
    y = roundtrip(x)
    assert type(y) is torch.Tensor and y.dtype == dtype and y.shape == x.shape and torch.equal(x, y)
    assert roundtrip(torch.empty(0, 3)).shape == (0, 3)


def test_subclasses_and_other_objects_do_not_cross():
    class MyList(list):
        def __eq__(self, other):
            return True

    class MyStr(str):
        pass

    assert type(roundtrip(MyList([1]))) is _wire.Foreign
    assert type(roundtrip([MyStr("a")])[0]) is _wire.Foreign
    assert type(roundtrip({1: "int key"})) is _wire.Foreign


@pytest.mark.parametrize("tree", [
    {"$tensor": 0, "dtype": "float32", "shape": [4]},  # buffer too small
    {"$tensor": 0, "dtype": "object", "shape": [1]},
    {"evil": 1},
    {"$dict": [[1, 2]]},
    {"$iter": [1, 2]},  # only the parent may send one-shot generators
    {"$float": "1e400"},
])
def test_parent_decoder_rejects_malformed_values(tree):
    with pytest.raises(_wire.ProtocolError):
        _wire.decode(tree, [b"\x00\x00\x00\x00"])


def test_one_shot_generator_is_built_only_in_the_cell():
    buffers = []
    tree = _wire.encode(_wire.OneShot((1, 2)), buffers)
    gen = _wire.decode(tree, buffers, cell_side=True)
    assert list(gen) == [1, 2] and list(gen) == []


def test_lists_of_words_take_the_fast_path_with_the_same_checks():
    """A 20,000-word corpus crosses without a Python call per word; the caps and surrogate rule still hold."""
    words = [f"w{i}" for i in range(20_000)]
    assert _wire.encode(words[:_wire.WORDS_MIN - 1], []) == words[:_wire.WORDS_MIN - 1]  # short: JSON strings
    assert _wire.decode(list(words), [], max_items=20_001) == words
    with pytest.raises(_wire.ProtocolError, match="more than 20000 items"):
        _wire.decode(list(words), [], max_items=20_000)  # the list counts as one item, each word as one
    assert _wire.decode(["ok", "\ud800x"], []) == ["ok", "\ufffdx"]
    assert _wire.decode(["a", 1, {"$tuple": ["b"]}], []) == ["a", 1, ("b",)]  # mixed lists: item by item
    with pytest.raises(_wire.ProtocolError):
        _wire.decode(["a", {"$unknown": 1}], [])


def test_long_word_lists_cross_as_one_buffer_both_ways_with_the_same_caps():
    words = [f"w{i}" for i in range(5000)] + ["é", "\ud800"]
    buffers = []
    tree = _wire.encode(words, buffers)
    assert set(tree) == {"$words", "n"} and len(buffers) == 1  # one buffer, not 5,002 JSON strings
    assert _wire.decode(tree, buffers, cell_side=True) == words  # the parent's own words, exactly
    assert _wire.decode(tree, buffers)[-2:] == ["é", "\ufffd"]  # from a cell: lone surrogates replaced
    with pytest.raises(_wire.ProtocolError, match="more than 5000 items"):
        _wire.decode(tree, buffers, max_items=5000)
    for bad in ({"$words": 0, "n": 3}, {"$words": 0, "n": 0}, {"$words": 0, "n": "7"}):
        with pytest.raises(_wire.ProtocolError):
            _wire.decode(bad, [b"a\x00b"])
    with pytest.raises(_wire.ProtocolError, match="count"):
        _wire.decode({"$words": 0, "n": 2}, [b"\x00" * 10 ** 6])  # a buffer of NULs builds nothing
    with pytest.raises(_wire.ProtocolError, match="UTF-8"):
        _wire.decode({"$words": 0, "n": 1}, [b"\xff"])
    nul = ["a\x00b"] + ["x"] * 600  # a word holding a NUL: plain JSON, the words unchanged
    assert _wire.encode(nul, []) == nul
