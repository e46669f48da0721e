"""What a test's first failure means, and what a submission's status is: pure functions over records.

The plugin calls these; reporters only ever see the records they produce. A student's wrong answer,
exception or dead cell is ``failed`` with a message for the student. Grader code (the proxy, the channel,
``grader.testing``) failing on what a student's code returned is ``failed`` too: student data is never the
test author's fault. Only an exception in the test itself is ``error``, with details for the instructor only;
a bare ``assert`` in a hidden test fails with a neutral message (its introspection quotes expected values).
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from grader.errors import GraderError
from grader.results.pictures import clean as clean_pictures
from grader.results.records import ERROR, FAILED, PASSED, SKIPPED, SubmissionResult, TestResult

GRADER_ERROR_MESSAGE = "The grader could not run this test (a problem in the test, not in your code)."
HIDDEN_CHECK_MESSAGE = "A hidden check failed (this test has no message for students; ask your instructor)."
MAX_MESSAGE, MAX_DETAIL = 8000, 8000  # characters of a test's message (for the student) and detail
_PACKAGE = str(Path(__file__).resolve().parents[1]) + os.sep
_LIBRARIES = tuple({sys.prefix, sys.base_prefix, sys.exec_prefix})


class StudentError(AssertionError):
    """Student code raised, or its cell died: a failed test with a message for the student."""


class ComparisonTimeout(StudentError):
    """The parent's own work on what a student's code returned ran past its deadline."""


@dataclass(frozen=True)
class Verdict:
    outcome: str  # PASSED, FAILED or ERROR
    message: str = ""  # for the student
    detail: str = ""  # for the instructor
    pictures: tuple[dict, ...] = ()  # what the test drew for the student (capped), failures only


def verdict(exc: BaseException | None, when: str, longrepr: str | Callable[[], str], hidden: bool = False) -> Verdict:
    """The verdict of a test from its first failure (``exc`` None: it passed). ``longrepr`` (pytest's traceback, for
    the instructor) may be a callable: it is formatted only for the verdicts that show it (an error of the test)."""
    if exc is None:
        return Verdict(PASSED)
    if isinstance(exc, StudentError):
        return Verdict(FAILED, clip(str(exc), MAX_MESSAGE))
    if isinstance(exc, AssertionError) and when == "call":
        text = str(exc)
        if text.startswith("assert "):  # a bare assert: pytest's introspection is all there is, shown once
            return Verdict(FAILED, HIDDEN_CHECK_MESSAGE if hidden else "The check failed: " + text[:500],
                           clip(text, MAX_DETAIL))
        message, _, detail = text.partition("\nassert ")
        return Verdict(FAILED, clip(message, MAX_MESSAGE), detail and clip("assert " + detail, MAX_DETAIL),
                       clean_pictures(getattr(exc, "pictures", ())))
    if when == "call" and not isinstance(exc, GraderError) and raised_in_grader_code(exc):
        first = f"{type(exc).__name__}: {str(exc)[:300]}".split("\n")[0]
        return Verdict(FAILED, "The grader could not check what your code returned: it is not what this test "
                               f"expects ({first}).", _text(longrepr)[-MAX_DETAIL:])
    return Verdict(ERROR, GRADER_ERROR_MESSAGE, _text(longrepr)[-MAX_DETAIL:])


def _text(longrepr: str | Callable[[], str]) -> str:
    return longrepr if isinstance(longrepr, str) else longrepr()


def raised_in_grader_code(exc: BaseException) -> bool:
    """True when the innermost frame that is not a library's (torch, the standard library) belongs to the
    grader package rather than to a test file: grader code failed on data a student's code sent."""
    last, tb = None, exc.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.startswith(_PACKAGE):
            last = "grader"
        elif not name.startswith(_LIBRARIES) and not name.startswith("<"):
            last = "test"
        tb = tb.tb_next
    return last == "grader"


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + f"\n… ({len(text) - limit} more characters not shown)"


def status(unusable, load_error: str, tests: tuple[TestResult, ...]) -> tuple[str, str]:
    """A submission's (status, message): why it could not be graded, or ``graded``."""
    if unusable is not None:
        return unusable.status, unusable.message
    if load_error:
        return "load_error", clip(load_error, MAX_MESSAGE)
    if any(t.outcome == ERROR for t in tests):
        return "grader_error", "some tests could not run; see the instructor details"
    return "graded", ""


def score(tests: tuple[TestResult, ...]) -> tuple[float, float]:
    """(points, max points) over the tests that count: a test skipped on this device is not a lost point."""
    counted = [t for t in tests if t.outcome != SKIPPED]
    return round(sum(t.points for t in counted), 4), round(sum(t.max_points for t in counted), 4)


def failed_result(prep, run, message: str) -> SubmissionResult:
    """The record of a submission the harness itself failed on (``prep``: Prepared, ``run``: RunSpec)."""
    return SubmissionResult(prep.submission_id, run.assignment.name, str(prep.path), prep.content_hash,
                            run.suite_hash, "grader_error", 0.0, 0.0, message, device=run.device,
                            grader_version=run.version)


__all__ = ["ERROR", "FAILED", "GRADER_ERROR_MESSAGE", "PASSED", "SKIPPED", "ComparisonTimeout", "StudentError",
           "Verdict", "failed_result", "score", "status", "verdict"]
