"""Notes a test leaves for the student, pass or fail ("weights loaded by structure: w_O as w_0").

The plugin opens a fresh list before each test (:func:`collecting`) and stores what was noted with the
test's result; :func:`grader.testing.note` appends to it. One context variable, no shared state between
tests or workers.
"""
from __future__ import annotations

import contextvars
from contextlib import contextmanager

MAX_NOTES, MAX_LENGTH = 10, 500
_CURRENT: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("grader_notes", default=None)


def add(text: str) -> None:
    """Record ``text`` for the test now running (ignored outside a test, and past ``MAX_NOTES``)."""
    notes = _CURRENT.get()
    if notes is not None and len(notes) < MAX_NOTES and text not in notes:
        notes.append(str(text)[:MAX_LENGTH])


@contextmanager
def collecting():
    """Collect the notes of one test; yields the list."""
    notes: list[str] = []
    token = _CURRENT.set(notes)
    try:
        yield notes
    finally:
        _CURRENT.reset(token)
