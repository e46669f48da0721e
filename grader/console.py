"""What the grader says on the instructor's terminal: status lines and the progress bar.

Everything goes to stderr (stdout is for machine-readable output). Text that came from a student
(submission ids, messages) is cleaned of control characters before it is printed.
"""
from __future__ import annotations

import shutil
import sys

from grader.results.sanitize import line as _clean


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def is_terminal() -> bool:
    return sys.stderr.isatty()


class Progress:
    """A tqdm bar on a terminal, one plain line per submission otherwise (a CI log, a file)."""

    def __init__(self, total: int):
        self.total, self.bar, self.done = total, None, 0

    def __enter__(self):
        if is_terminal():
            from tqdm import tqdm

            width = shutil.get_terminal_size((100, 24)).columns or 100  # a pty may report 0 columns
            self.bar = tqdm(total=self.total, unit="sub", file=sys.stderr, ncols=min(width, 120))
        return self.tick

    def tick(self, result) -> None:
        self.done += 1
        sid = _clean(result.submission_id)
        if self.bar is not None:
            self.bar.set_postfix_str(f"{sid[:20]} {result.score:g}/{result.max_score:g}")
            self.bar.update(1)
        else:
            say(f"[{self.done}/{self.total}] {result.assignment}/{sid}: {result.score:g}/"
                f"{result.max_score:g} {result.status} ({result.duration:.2f} s)")

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.close()
