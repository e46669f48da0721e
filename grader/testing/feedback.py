"""Failure messages written for students: what was expected, what came back, and a hint.

Every helper raises ``AssertionError`` (pytest records it as the test's failure); the text is exactly what
the student reads.
"""
from __future__ import annotations

from grader.harness.proxy import describe

def feedback(message: str, *, expected=None, got=None, hint: str | None = None) -> AssertionError:
    """An AssertionError whose text is what a student reads: message, expected, got, hint."""
    parts = [message]
    if expected is not None:
        parts.append(f"Expected: {_short(expected)}")
    if got is not None:
        parts.append(f"Got:      {_short(got)}")
    if hint:
        parts.append(f"Hint: {hint}")
    return AssertionError("\n".join(parts))


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
