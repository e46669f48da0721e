"""The class dashboard: one page per assignment that says what to teach next, and a course page linking them.

Pure summaries of :class:`~grader.results.records.SubmissionResult` records (:func:`summarise`), rendered by
Jinja into ``<out>/<assignment>/index.html`` and ``<out>/index.html``, with per-assignment ``grades.csv``
(that assignment's tests as columns) and a course summary ``grades.csv``. A submission falls in exactly one
category (full marks, partial, zero, timeout, crashed, missing function, invalid or unsupported file,
grader error); hints count as diagnoses because a hint is given only when the bug is confirmed.
"""
from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from grader.results import pictures
from grader.results.records import PASSED, SKIPPED, SubmissionResult

CATEGORIES = ("full marks", "partial", "zero", "timeout", "crashed", "missing function",
              "invalid or unsupported file", "grader error")
TIMEOUT_SIGNS = ("did not finish in time", "ran out of time")
CRASH_SIGNS = ("stopped before replying", "crashed or exited")


def category(r: SubmissionResult) -> str:
    """The one category a submission falls in, for the dashboard's counts and filters."""
    if r.status in ("invalid", "unsupported", "unreadable"):
        return "invalid or unsupported file"
    if r.status == "missing_symbol":
        return "missing function"
    if r.status == "grader_error":
        return "grader error"
    if r.status == "load_error":
        return "crashed"
    messages = [t.message for t in r.tests if t.outcome not in (PASSED, SKIPPED)]
    if any(sign in m for m in messages for sign in TIMEOUT_SIGNS):
        return "timeout"
    if any(sign in m for m in messages for sign in CRASH_SIGNS):
        return "crashed"
    if r.max_score and r.score >= r.max_score:
        return "full marks"
    return "zero" if r.score <= 0 else "partial"


@dataclass(frozen=True)
class TestRow:
    name: str
    description: str
    visibility: str
    max_points: float
    passed: int
    counted: int
    failing: tuple[str, ...]  # submission ids

    @property
    def pass_rate(self) -> float:
        return self.passed / self.counted if self.counted else 1.0


@dataclass(frozen=True)
class Diagnosis:
    hint: str
    submissions: tuple[str, ...]


@dataclass(frozen=True)
class Summary:
    assignment: str
    results: tuple[SubmissionResult, ...]
    max_score: float
    mean: float
    median: float
    categories: tuple[tuple[str, int], ...]
    tests: tuple[TestRow, ...]  # hardest first
    diagnoses: tuple[Diagnosis, ...]  # most common first

    def histogram(self):
        return pictures.histogram([r.score for r in self.results], self.max_score)


def hints_of(message: str) -> list[str]:
    return [line[len("Hint: "):].strip() for line in message.splitlines() if line.startswith("Hint: ")]


def summarise(assignment: str, results: list[SubmissionResult]) -> Summary:
    mine = tuple(r for r in results if r.assignment == assignment)
    scores = [r.score for r in mine] or [0.0]
    counts = Counter(category(r) for r in mine)
    by_test: dict[str, list] = {}
    diagnoses: dict[str, list[str]] = defaultdict(list)
    for r in mine:
        for t in r.tests:
            row = by_test.setdefault(t.name, [t, 0, 0, []])
            if t.outcome == SKIPPED:
                continue
            row[2] += 1
            if t.outcome == PASSED:
                row[1] += 1
            else:
                row[3].append(r.submission_id)
                for hint in hints_of(t.message):
                    if r.submission_id not in diagnoses[hint]:
                        diagnoses[hint].append(r.submission_id)
    tests = sorted((TestRow(name, t.description, t.visibility, t.max_points, passed, counted, tuple(failing))
                    for name, (t, passed, counted, failing) in by_test.items()),
                   key=lambda row: (row.pass_rate, row.name))
    return Summary(assignment, mine, max((r.max_score for r in mine), default=0.0), statistics.fmean(scores),
                   statistics.median(scores), tuple((c, counts.get(c, 0)) for c in CATEGORIES), tuple(tests),
                   tuple(Diagnosis(h, tuple(ids)) for h, ids in sorted(diagnoses.items(), key=lambda kv: -len(kv[1]))))


def write(out: Path, results: list[SubmissionResult], env, folder_of) -> None:
    """Every dashboard page and CSV under ``out``; ``folder_of(result)`` names a submission's report folder."""
    from grader.results import export

    summaries = [summarise(a, results) for a in sorted({r.assignment for r in results})]
    for s in summaries:
        page = out / s.assignment / "index.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(env.get_template("dashboard.html.j2").render(
            s=s, folder_of=folder_of, category=category, CATEGORIES=CATEGORIES, PASSED=PASSED))
        export.write_grades_csv(list(s.results), s.assignment and out / s.assignment / "grades.csv")
    similarity = (out / "similarity.html").is_file()  # written by `grader similar ... --out` (same folder)
    (out / "index.html").write_text(env.get_template("course.html.j2").render(summaries=summaries,
                                                                              similarity=similarity))
