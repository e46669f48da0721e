"""Grader failures: an exception with a message, a hint and an exit code.

Student failures are never exceptions of the grader: they are test outcomes. These are for what the
user of the grader must fix (a missing assignment, an unreadable path, a sandbox that cannot start).
The CLI turns them into one message on stderr and a non-zero status, never a traceback.
"""
from __future__ import annotations

EXIT_TESTS_FAILED = 1
EXIT_USAGE = 2
EXIT_GRADER = 3


class GraderError(Exception):
    def __init__(self, message: str, hint: str | None = None, exit_code: int = EXIT_GRADER):
        super().__init__(message)
        self.message, self.hint, self.exit_code = message, hint, exit_code


class SubmissionError(Exception):
    """A submission that cannot be graded (not a notebook, symbol missing): becomes a status, not a crash."""

    def __init__(self, status: str, message: str):
        super().__init__(status, message)  # both in args, so it pickles across worker processes
        self.status, self.message = status, message
