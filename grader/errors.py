"""Grader failures: one class per kind, each carrying its exit code; the CLI's ``main`` is the one door.

Student failures are never exceptions of the grader: they are test outcomes or a submission's status
(:class:`SubmissionError` is how intake reports one, and it never leaves the harness). These classes are
for what the person at the keyboard must fix (a path, a name, a flag) or for the grader itself failing.
``grader.cli.main`` turns them into one message and a hint on stderr, never a traceback.
"""
from __future__ import annotations

EXIT_OK, EXIT_TESTS_FAILED, EXIT_USAGE, EXIT_GRADER, EXIT_INTERRUPTED = 0, 1, 2, 3, 130


class GraderError(Exception):
    """The grader could not do its job: one line and a hint on stderr, never a traceback."""

    exit_code = EXIT_GRADER

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message, self.hint = message, hint


class UsageError(GraderError):
    """What the person at the keyboard must fix: a path, a name, a flag, an assignment file."""

    exit_code = EXIT_USAGE


class ChecksFailed(GraderError):
    """The command ran, and what it checked did not pass (``check``, ``validate``, ``extract`` of a bad file)."""

    exit_code = EXIT_TESTS_FAILED


class SubmissionError(Exception):
    """A submission that cannot be graded (not a notebook, symbol missing): becomes a status, not a crash."""

    def __init__(self, status: str, message: str):
        super().__init__(status, message)  # both in args, so it pickles across worker processes
        self.status, self.message = status, message
