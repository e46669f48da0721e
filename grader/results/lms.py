"""Gradebook files an LMS imports as they are: Canvas's gradebook CSV and Moodle's grade-import CSV.

Pure functions of :class:`~grader.results.SubmissionResult` records (so any gradebook can be re-exported),
one row per student (submission id), one grade column per assignment. Every cell a student controls
(the submission id, feedback) goes through :func:`grader.results.sanitize.csv_cell`: no spreadsheet formula.

* **Canvas** (Grades → Import): the header Canvas's own export has, ``Student, ID, SIS User ID, SIS Login
  ID, Section``, then one column per assignment, ``Title (Canvas id)``. Canvas finds the student by ``ID``,
  then ``SIS User ID``, then ``SIS Login ID``, then name: the submission id is written as ``SIS Login ID``
  and ``Student`` (name submissions by login id). Without a Canvas id (``[lms] canvas_assignment_id`` in
  ``assignment.toml``) the column is the title alone, which Canvas matches by title or offers as new.
  No ``Points Possible`` row: Canvas would overwrite an existing assignment's points with it.
* **Moodle** (Grades → Import → CSV file): the columns of Moodle's own export that identify a user, ``ID
  number`` and ``Email address``, then per assignment ``Assignment: Title`` and ``Feedback: Title``. On
  import, *Identify user by* maps ``ID number`` to ``useridnumber`` (or ``Email address`` to ``useremail``:
  filled when the submission id is an email address); each grade column maps to its grade item.
"""
from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass
from pathlib import Path

from grader.results.records import SubmissionResult
from grader.results.sanitize import csv_cell

CANVAS_STUDENT_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
MOODLE_USER_COLUMNS = ("ID number", "Email address")


@dataclass(frozen=True)
class Item:
    """How one assignment is named in an LMS gradebook."""

    name: str  # the grader's assignment name (``bpe``)
    title: str  # ``Assignment 4: Byte Pair Encoding``
    canvas_id: str = ""  # the Canvas assignment id, when assignment.toml names it

    @property
    def canvas_column(self) -> str:
        return f"{self.title} ({self.canvas_id})" if self.canvas_id else self.title


def item(name: str, root: Path | None = None) -> Item:
    """The assignment's title and LMS ids from ``assignments/<name>/assignment.toml``; just the name when the
    file is not here (a gradebook re-exported on another machine)."""
    from grader.assignment import project_root

    path = (root or project_root()) / "assignments" / name / "assignment.toml"
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return Item(name, name)
    lms = data.get("lms") if isinstance(data.get("lms"), dict) else {}
    return Item(name, str(data.get("title") or name), str(lms.get("canvas_assignment_id", "")).strip())


def _by_student(results: list[SubmissionResult]) -> tuple[list[str], list[str], dict[str, dict[str, SubmissionResult]]]:
    students = sorted({r.submission_id for r in results})
    assignments = sorted({r.assignment for r in results})
    table: dict[str, dict[str, SubmissionResult]] = {s: {} for s in students}
    for r in results:
        table[r.submission_id].setdefault(r.assignment, r)  # the gradebook gives the latest once per pair
    return students, assignments, table


def _score(r: SubmissionResult | None):
    return "" if r is None else f"{r.score:g}"


def _feedback(r: SubmissionResult | None) -> str:
    if r is None:
        return ""
    note = "" if r.status == "graded" else f" ({r.status})"
    return f"{r.score:g}/{r.max_score:g} points from the autograder{note}"


def canvas_rows(results: list[SubmissionResult], items: dict[str, Item] | None = None) -> list[list]:
    """The header and one row per student, ready for :func:`csv.writer`."""
    students, assignments, table = _by_student(results)
    items = {a: (items or {}).get(a) or item(a) for a in assignments}
    rows = [[*CANVAS_STUDENT_COLUMNS, *(csv_cell(items[a].canvas_column) for a in assignments)]]
    for s in students:
        sid = csv_cell(s)
        rows.append([sid, "", "", sid, "", *(_score(table[s].get(a)) for a in assignments)])
    return rows


def moodle_rows(results: list[SubmissionResult], items: dict[str, Item] | None = None) -> list[list]:
    students, assignments, table = _by_student(results)
    items = {a: (items or {}).get(a) or item(a) for a in assignments}
    header = list(MOODLE_USER_COLUMNS)
    for a in assignments:
        header += [csv_cell(f"Assignment: {items[a].title}"), csv_cell(f"Feedback: {items[a].title}")]
    rows = [header]
    for s in students:
        row = [csv_cell(s), csv_cell(s) if "@" in s else ""]
        for a in assignments:
            row += [_score(table[s].get(a)), csv_cell(_feedback(table[s].get(a)))]
        rows.append(row)
    return rows


def _write(rows: list[list], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)


def write_canvas(results: list[SubmissionResult], path: Path, items: dict[str, Item] | None = None) -> None:
    _write(canvas_rows(results, items), path)


def write_moodle(results: list[SubmissionResult], path: Path, items: dict[str, Item] | None = None) -> None:
    _write(moodle_rows(results, items), path)
