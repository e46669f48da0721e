"""The public face for test authors: fixtures' helpers that turn a wrong answer into a message that teaches.

Tests run in the trusted parent; values they receive from ``student`` are already plain data. These
helpers check type, shape and dtype *before* comparing (NaN, broadcasting and a lying ``__eq__`` never
reach a comparison) and raise ``AssertionError`` with a student-facing message. This package depends on
the engine, never the reverse: ``feedback`` (messages), ``tensors`` (type → shape → dtype → finite →
values), ``attention`` (the course's attention checks).
"""
from __future__ import annotations

from grader.harness import notes as _notes
from grader.harness.proxy import describe
from grader.sandbox.wire import OneShot
from grader.testing.feedback import expect_list_of_str, feedback

__all__ = ["OneShot", "describe", "expect_close", "expect_like", "expect_list_of_str", "feedback", "note"]


def note(text: str) -> None:
    """Tell the student something about the test now running, whether it passes or fails (e.g. "weights loaded
    by structure: w_O as w_0"). Shown under the test in every report; at most a few short notes a test."""
    _notes.add(text)


def __getattr__(name: str):
    """``expect_close`` and ``expect_like`` import torch on first use: a suite without tensors (BPE) never does."""
    if name in ("expect_close", "expect_like"):
        from grader.testing import tensors

        return getattr(tensors, name)
    raise AttributeError(f"module 'grader.testing' has no attribute {name!r}")
