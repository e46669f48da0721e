"""HTML reports per submission: ``report.html`` (the student's) and ``instructor.html`` beside it; the
environment every page uses. Dashboards (the course page and one per assignment, linking every
``instructor.html``) are written by :mod:`grader.results.dashboard`.

The student's page holds what the student may read: their tests' messages and output, never a test's
instructor detail (pytest introspection, tracebacks quoting hidden tests), a path, or anyone else's name.
``instructor.html`` has all of it and is linked from the dashboard only, never from the student's page.

Jinja with ``autoescape=True`` and ``StrictUndefined``: everything a student controls (names, messages,
printed output) is untrusted and is shown as text, through :func:`grader.results.sanitize.text` first.
"""
from __future__ import annotations

import functools
import hashlib
import re
from pathlib import Path

import jinja2
from markupsafe import Markup

from grader.results import pictures, sanitize
from grader.results.records import FAILED, PASSED, SubmissionResult


@functools.lru_cache(maxsize=1)
def env() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("grader.results", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["clean"] = sanitize.text
    env.filters["cap"] = _cap
    env.filters["points"] = lambda x: f"{x:g}"
    env.tests["timed_out"] = timed_out
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


def write_submission_report(result: SubmissionResult, path: Path, hidden_visibility: str = "after_published") -> None:
    """``path`` (report.html, the student's) and ``instructor.html`` beside it. Pictures of hidden tests are
    drawn on the student's page only when ``hidden_visibility`` is ``visible`` (they show expected values)."""
    path.write_text(student_page(result, hidden_visibility), encoding="utf-8", errors="replace")
    path.with_name("instructor.html").write_text(env().get_template("instructor.html.j2").render(r=result),
                                                 encoding="utf-8", errors="replace")


PICTURE_BUDGET = 300_000  # characters of pictures on one student page; past it, a sentence instead


def student_page(result: SubmissionResult, hidden_visibility: str = "after_published") -> str:
    """The HTML of a student's ``report.html``."""
    budget = [PICTURE_BUDGET]
    return env().get_template("report.html.j2").render(r=result, PASSED=PASSED, FAILED=FAILED,
                                                       show_hidden_pictures=hidden_visibility == "visible",
                                                       draw=lambda raw: draw(raw, budget))


def draw(raw, budget: list[int] | None = None) -> Markup:
    """A test's pictures as inline markup, capped again here (a gradebook is data, whoever wrote it), within
    what is left of the page's ``budget`` (a one-item list, spent as pictures are drawn)."""
    out = []
    for p in pictures.clean(raw):
        svg = pictures.render(p)
        if budget is not None and len(svg) > budget[0]:
            out.append(Markup('<p class="muted">(more pictures not drawn: the page would be too large)</p>'))
            break
        if budget is not None:
            budget[0] -= len(svg)
        out.append(svg)
    return Markup("".join(out))


def timed_out(message: str) -> bool:
    """The test failed because a call into the student's code ran out of time (the cell's or the harness's words)."""
    return "did not finish in time" in message or message.startswith("Not run: your code already ran out of time")


def _cap(text, limit: int = 8000) -> str:
    """At most ``limit`` characters of student text on a page (a page stays small whatever was printed)."""
    text = str(text)
    return text if len(text) <= limit else text[:limit] + f"\n… ({len(text) - limit} more characters not shown)"
