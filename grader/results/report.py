"""HTML reports: ``<assignment>/<submission>/report.html`` for each submission; the environment every page uses.

Dashboards (the course page and one per assignment) are written by :mod:`grader.results.dashboard`.

Jinja with ``autoescape=True`` and ``StrictUndefined``: everything a student controls (names, messages,
printed output) is untrusted and is shown as text, through :func:`grader.results.sanitize.text` first.
"""
from __future__ import annotations

import functools
import re
from pathlib import Path

import jinja2

from grader.results import sanitize
from grader.results.records import FAILED, PASSED, SubmissionResult


@functools.lru_cache(maxsize=1)
def env() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("grader.results", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["clean"] = sanitize.text
    env.filters["cap"] = _cap
    env.filters["points"] = lambda x: f"{x:g}"
    return env


def safe_dirname(submission_id: str) -> str:
    """A folder name for a submission id that cannot escape the output folder."""
    name = re.sub(r"[^\w.-]", "_", submission_id).lstrip(".") or "submission"
    return name[:120]


def write_submission_report(result: SubmissionResult, path: Path) -> None:
    path.write_text(env().get_template("report.html.j2").render(r=result, PASSED=PASSED, FAILED=FAILED))


def _cap(text, limit: int = 8000) -> str:
    """At most ``limit`` characters of student text on a page (a page stays small whatever was printed)."""
    text = str(text)
    return text if len(text) <= limit else text[:limit] + f"\n… ({len(text) - limit} more characters not shown)"
