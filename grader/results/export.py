"""Exports written from results: grades.csv (pandas), Gradescope results.json, JUnit XML, an LMS CSV.

Every export is a pure function of :class:`~grader.results.SubmissionResult` records, so a gradebook can be
re-exported at any time without regrading.
"""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING

from grader.results import sanitize
from grader.results.records import ERROR, FAILED, PASSED, SKIPPED, SubmissionResult

if TYPE_CHECKING:
    import pandas as pd  # imported where a frame is built: `grader check` and a grade's start never need it

BASE_COLUMNS = ["submission_id", "assignment", "score", "max_score", "status"]


def grades_frame(results: list[SubmissionResult], tests: bool = True) -> pd.DataFrame:
    """One row per submission; with ``tests`` one column per test (per assignment: columns do not mix)."""
    rows = []
    for r in results:
        row = {"submission_id": r.submission_id, "assignment": r.assignment, "score": r.score,
               "max_score": r.max_score, "status": r.status}
        for t in r.tests if tests else ():
            row[t.name] = t.points if t.outcome != SKIPPED else None
        rows.append(row)
    import pandas as pd

    frame = pd.DataFrame(rows)
    tests = [c for c in frame.columns if c not in BASE_COLUMNS]
    return frame.reindex(columns=BASE_COLUMNS + tests)


def _csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Every text cell through :func:`sanitize.csv_cell`: no spreadsheet evaluates a student's formula."""
    return frame.apply(lambda col: col.map(sanitize.csv_cell) if col.dtype == object else col)


def write_grades_csv(results: list[SubmissionResult], path: Path, tests: bool = True) -> None:
    _csv_safe(grades_frame(results, tests)).to_csv(path, index=False)


def write_lms_csv(results: list[SubmissionResult], path: Path) -> None:
    """One column per assignment, one row per student: the shape LMS gradebooks import."""
    import pandas as pd

    frame = pd.DataFrame([{"Student": r.submission_id, r.assignment: r.score} for r in results])
    if not frame.empty:
        frame = frame.groupby("Student", as_index=False).first()
    _csv_safe(frame).to_csv(path, index=False)


def gradescope(r: SubmissionResult, hidden_visibility: str = "after_published") -> dict:
    """Gradescope's autograder ``results.json`` schema: what the student sees (never a test's instructor
    detail, never a path); student text through :func:`sanitize.text`, so it always encodes. Public tests are
    ``visible``; hidden ones get ``hidden_visibility`` (the assignment's setting, Gradescope's vocabulary)."""
    x = sanitize.text
    tests = [{
        "name": x(t.name if not t.description else f"{t.name}: {t.description}"),
        "score": t.points, "max_score": t.max_points,
        "status": "passed" if t.outcome == PASSED else "failed",
        "output": x("\n\n".join(p for p in (*(f"Note: {n}" for n in t.notes), t.message,
                                            f"Your code printed:\n{t.output}" if t.output else "") if p)),
        "visibility": "visible" if t.visibility == "public" else hidden_visibility,
    } for t in r.tests if t.outcome != SKIPPED]
    output = r.message or ("" if r.status == "graded" else r.status)
    if r.warnings:
        output = "\n".join([output, *r.warnings]).strip()
    return {"score": r.score, "execution_time": round(r.duration, 3), "output": x(output), "tests": tests,
            "extra_data": {"status": r.status, "max_score": r.max_score, "device": r.device,
                           "protections": list(r.protections), "content_hash": r.content_hash}}


def write_gradescope(r: SubmissionResult, path: Path, hidden_visibility: str = "after_published") -> None:
    path.write_text(json.dumps(gradescope(r, hidden_visibility), indent=2, ensure_ascii=False), encoding="utf-8")


def junit(results: list[SubmissionResult]) -> ET.ElementTree:
    """JUnit XML that always parses: every student-controlled string through :func:`sanitize.xml`."""
    x = sanitize.xml
    suites = ET.Element("testsuites")
    for r in results:
        suite = ET.SubElement(suites, "testsuite", name=x(f"{r.assignment}.{r.submission_id}"),
                              tests=str(len(r.tests)), time=f"{r.duration:.3f}",
                              failures=str(sum(t.outcome == FAILED for t in r.tests)),
                              errors=str(sum(t.outcome == ERROR for t in r.tests)),
                              skipped=str(sum(t.outcome == SKIPPED for t in r.tests)))
        for t in r.tests:
            case = ET.SubElement(suite, "testcase", classname=x(f"{r.assignment}.{t.visibility}"), name=x(t.name),
                                 time=f"{t.duration:.3f}")
            if t.outcome in (FAILED, ERROR):
                tag = "failure" if t.outcome == FAILED else "error"
                ET.SubElement(case, tag, message=x(t.message.split("\n")[0][:500])).text = x(t.message)
            elif t.outcome == SKIPPED:
                ET.SubElement(case, "skipped", message=x(t.message[:500]))
            if t.output:
                ET.SubElement(case, "system-out").text = x(t.output)
        if r.status != "graded" and not r.tests:
            case = ET.SubElement(suite, "testcase", classname=x(r.assignment), name="submission")
            ET.SubElement(case, "error", message=x(r.status)).text = x(r.message)
    return ET.ElementTree(suites)


def write_junit(results: list[SubmissionResult], path: Path) -> None:
    tree = junit(results)
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)
