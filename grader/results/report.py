"""HTML reports: ``index.html`` for the cohort and ``<submission_id>/report.html`` for each submission.

Jinja with ``autoescape=True`` and ``StrictUndefined``: everything a student controls (names, messages,
printed output) is untrusted and is shown as text, through :func:`grader.results.sanitize.text` first.
"""
from __future__ import annotations

import functools
import hashlib
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


_PLAIN_ID = re.compile(r"[a-z0-9_][a-z0-9_.-]{0,79}")
_HASHED = re.compile(r".*-[0-9a-f]{12}")


def safe_dirname(submission_id: str) -> str:
    """The report folder of a submission id: one folder per id, and none can escape the output folder.

    A plain id (lower-case letters, digits, ``_ . -``, at most 80, not ending like a hashed name) is its own
    folder name. Any other id gets a readable part and 12 hex digits of its SHA-256 (``bob smith`` →
    ``bob_smith-<hash>``), so ids that read alike (``bob smith``, ``bob_smith``, ``bob?smith``, ``Bob``, ``bob``
    on a case-insensitive disk) never share a folder. :class:`grader.results.outputs.Recorder` records the
    name in the gradebook (``Gradebook.report_dirs``).
    """
    if _PLAIN_ID.fullmatch(submission_id) and not _HASHED.fullmatch(submission_id):
        return submission_id
    readable = re.sub(r"[^A-Za-z0-9_.-]", "_", submission_id).lstrip(".")[:80] or "submission"
    digest = hashlib.sha256(submission_id.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return f"{readable}-{digest}"


def write_submission_report(result: SubmissionResult, path: Path) -> None:
    path.write_text(_env().get_template("report.html.j2").render(r=result, PASSED=PASSED, FAILED=FAILED))


def write_index(results: list[SubmissionResult], path: Path, title: str) -> None:
    failures = Counter(t.name for r in results for t in r.tests if t.outcome != PASSED and t.outcome != "skipped")
    tests = sorted({t.name: t for r in results for t in r.tests}.values(), key=lambda t: (t.visibility != "public",
                                                                                        t.name))
    html = _env().get_template("index.html.j2").render(
        results=results, title=title, tests=tests, failures=failures, dirname=safe_dirname,
        statuses=Counter(r.status for r in results))
    path.write_text(html)
