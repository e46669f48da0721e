"""HTML reports: ``index.html`` for the cohort, and per submission ``report.html`` (the student's) and
``instructor.html`` beside it.

The student's page holds what the student may read: their tests' messages and output, never a test's
instructor detail (pytest introspection, tracebacks quoting hidden tests), a path, or anyone else's name.
``instructor.html`` has all of it and is linked from ``index.html`` only, never from the student's page.

Jinja with ``autoescape=True`` and ``StrictUndefined``: everything a student controls (names, messages,
printed output) is untrusted and is shown as text, through :func:`grader.results.sanitize.text` first.
"""
from __future__ import annotations

import functools
import re
from collections import Counter
from pathlib import Path

import jinja2

from grader.results import sanitize
from grader.results.records import FAILED, PASSED, SubmissionResult


@functools.lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("grader.results", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["clean"] = sanitize.text
    env.filters["points"] = lambda x: f"{x:g}"
    return env


def safe_dirname(submission_id: str) -> str:
    """A folder name for a submission id that cannot escape the output folder."""
    name = re.sub(r"[^\w.-]", "_", submission_id).lstrip(".") or "submission"
    return name[:120]


def write_submission_report(result: SubmissionResult, path: Path) -> None:
    """``path`` (report.html, the student's) and ``instructor.html`` beside it."""
    path.write_text(_env().get_template("report.html.j2").render(r=result, PASSED=PASSED, FAILED=FAILED),
                    encoding="utf-8", errors="replace")
    path.with_name("instructor.html").write_text(_env().get_template("instructor.html.j2").render(r=result),
                                                 encoding="utf-8", errors="replace")


def write_index(results: list[SubmissionResult], path: Path, title: str) -> None:
    failures = Counter(t.name for r in results for t in r.tests if t.outcome != PASSED and t.outcome != "skipped")
    tests = sorted({t.name: t for r in results for t in r.tests}.values(), key=lambda t: (t.visibility != "public",
                                                                                        t.name))
    html = _env().get_template("index.html.j2").render(
        results=results, title=title, tests=tests, failures=failures, dirname=safe_dirname,
        statuses=Counter(r.status for r in results))
    path.write_text(html, encoding="utf-8", errors="replace")
