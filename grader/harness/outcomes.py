"""What a test's first failure means, and what a submission's status is: pure functions over records.

The plugin calls these; reporters only ever see the records they produce. A student's wrong answer,
exception or dead cell is ``failed`` with a message for the student; an exception in the test itself is
``error``, with details for the instructor only.
"""
from __future__ import annotations

from dataclasses import dataclass

from grader.results.records import ERROR, FAILED, PASSED, SKIPPED, TestResult

GRADER_ERROR_MESSAGE = "The grader could not run this test (a problem in the test, not in your code)."


class StudentError(AssertionError):
    """Student code raised, or its cell died: a failed test with a message for the student."""


@dataclass(frozen=True)
class Verdict:
    outcome: str  # PASSED, FAILED or ERROR
    message: str = ""  # for the student
    detail: str = ""  # for the instructor


def verdict(exc: BaseException | None, when: str, longrepr: str) -> Verdict:
    """The verdict of a test from its first failure (``exc`` None: it passed)."""
    if exc is None:
        return Verdict(PASSED)
    if isinstance(exc, StudentError):
        return Verdict(FAILED, str(exc))
    if isinstance(exc, AssertionError) and when == "call":
        text = str(exc)
        if text.startswith("assert "):  # a bare assert: pytest's introspection is all there is, shown once
            return Verdict(FAILED, "The check failed: " + text[:500], text[:4000])
        message, _, detail = text.partition("\nassert ")
        return Verdict(FAILED, message, detail and "assert " + detail[:4000])
    return Verdict(ERROR, GRADER_ERROR_MESSAGE, longrepr[-4000:])


def status(unusable, load_error: str, tests: tuple[TestResult, ...]) -> tuple[str, str]:
    """A submission's (status, message): why it could not be graded, or ``graded``."""
    if unusable is not None:
        return unusable.status, unusable.message
    if load_error:
        return "load_error", load_error
    if any(t.outcome == ERROR for t in tests):
        return "grader_error", "some tests could not run; see the instructor details"
    return "graded", ""


def score(tests: tuple[TestResult, ...]) -> tuple[float, float]:
    """(points, max points) over the tests that count: a test skipped on this device is not a lost point."""
    counted = [t for t in tests if t.outcome != SKIPPED]
    return round(sum(t.points for t in counted), 4), round(sum(t.max_points for t in counted), 4)


__all__ = ["ERROR", "FAILED", "GRADER_ERROR_MESSAGE", "PASSED", "SKIPPED", "StudentError", "Verdict", "score",
           "status", "verdict"]
