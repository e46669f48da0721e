"""The public face for test authors: helpers that turn a wrong answer into a message that teaches.

Tests run in the trusted parent; values they receive from ``student`` are already plain data. These
helpers check type and shape *before* comparing (NaN, broadcasting and lying ``__eq__`` never reach a
comparison) and raise ``AssertionError`` with a student-facing message.
"""
from __future__ import annotations

from grader._wire import Foreign, Handle, OneShot

__all__ = ["OneShot", "describe", "expect_list_of_str", "feedback"]


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


def describe(value) -> str:
    """'a `MyList`', 'a dict', 'None' — how a returned value's type is named to a student."""
    if value is None:
        return "None"
    if type(value) is Foreign:
        return f"a `{value.type_name}` (only plain data can be graded)"
    if type(value) is Handle:
        return f"a `{value.class_name}` object"
    handle = getattr(type(value), "__name__", "") == "RemoteObject" and value.__dict__.get("_handle")
    if handle:
        return f"a `{handle.class_name}` object (it stays in the sandbox; plain data was expected)"
    return f"a {type(value).__name__}"


def _short(value, limit: int = 600) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + f"… ({len(text) - limit} more characters)"
