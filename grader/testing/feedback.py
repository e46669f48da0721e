"""Failure messages written for students: what was expected, what came back, and a hint.

Every helper raises ``AssertionError`` (pytest records it as the test's failure); the text is exactly what
the student reads. ``pictures`` (plain data, see :func:`heatmap`, :func:`grid`, :func:`vocab`) ride on the
error as its ``pictures`` attribute; the student's page draws them (capped: :func:`grader.results.pictures.clean`).
"""
from __future__ import annotations

from grader.harness.proxy import describe
from grader.results.pictures import clean

def feedback(message: str, *, expected=None, got=None, hint: str | None = None, pictures=()) -> AssertionError:
    """An AssertionError whose text is what a student reads: message, expected, got, hint; ``pictures`` (at most
    4, matrices cropped to 48 x 48) are drawn under the message on the student's page."""
    parts = [message]
    if expected is not None:
        parts.append(f"Expected: {_short(expected)}")
    if got is not None:
        parts.append(f"Got:      {_short(got)}")
    if hint:
        parts.append(f"Hint: {hint}")
    error = AssertionError("\n".join(parts))
    error.pictures = clean(pictures)
    return error


def _rows(matrix) -> list:
    """A tensor (or nested lists) as nested lists of plain numbers (cropped; clean() caps at 48 x 48)."""
    if hasattr(matrix, "detach"):
        matrix = matrix.detach()[:49, :49].tolist()  # 49: clean() crops to 48 and says so
    return [list(r)[:49] for r in list(matrix)[:49]]


def heatmap(title: str, weights, masked=None) -> dict:
    """A picture of a (T, S) matrix of weights in [0, 1]; ``masked`` True where attention is blocked."""
    return {"kind": "heatmap", "title": title, "matrix": _rows(weights),
            "masked": None if masked is None else _rows(masked)}


def grid(title: str, mask) -> dict:
    """A picture of a (T, S) boolean mask."""
    return {"kind": "grid", "title": title, "matrix": _rows(mask)}


def vocab(title: str, expected: list[str], got: list[str]) -> dict:
    """A picture of a vocabulary against the expected one (extra, misplaced and missing tokens marked)."""
    return {"kind": "vocab", "title": title, "expected": list(expected), "got": list(got)}


def expect_list_of_str(value, what: str) -> list[str]:
    if type(value) is not list:
        raise feedback(f"{what} returned {describe(value)}, expected a list of str.")
    bad = next((v for v in value if type(v) is not str), None)
    if bad is not None or any(type(v) is not str for v in value):
        raise feedback(f"{what} returned a list containing {describe(bad)}, expected a list of str.")
    return value


def _short(value, limit: int = 600) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + f"… ({len(text) - limit} more characters)"
