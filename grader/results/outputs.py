"""Writing a run's outputs: each result's files the moment it arrives, and the cohort's exports at the end.

:class:`Recorder` commits a result to the gradebook, then writes its ``results.json`` and ``report.html``;
:func:`write_exports` rewrites, from the gradebook, the course summary ``grades.csv``, ``lms.csv``,
``canvas.csv``, ``moodle.csv``, ``junit.xml``, the course page ``index.html`` and each assignment's dashboard
and ``grades.csv`` (its tests as columns), so they always describe everything graded so far.
"""
from __future__ import annotations

from pathlib import Path

from grader.results import dashboard, export, lms, report
from grader.results.gradebook import Gradebook
from grader.results.records import SubmissionResult


class Recorder:
    """Commits each result to the gradebook and writes its files the moment it arrives."""

    def __init__(self, out: Path, gradebook: Gradebook, progress):
        self.out, self.gradebook, self.progress = out, gradebook, progress
        self.count = 0
        self.durations: list[float] = []

    def __call__(self, result: SubmissionResult) -> None:
        self.gradebook.add(result, report.safe_dirname(result.submission_id))
        write_report_files(self.out, result)
        self.count += 1
        self.durations.append(result.duration)
        self.progress(result)


def write_report_files(out: Path, result: SubmissionResult) -> Path:
    """``results.json`` and ``report.html`` in the result's own folder (one per id: :func:`report.safe_dirname`)."""
    from grader.assignment import hidden_visibility

    folder = out / result.assignment / report.safe_dirname(result.submission_id)
    folder.mkdir(parents=True, exist_ok=True)
    visibility = hidden_visibility(result.assignment)
    export.write_gradescope(result, folder / "results.json", visibility)
    report.write_submission_report(result, folder / "report.html", visibility)
    return folder


def write_exports(out: Path, gradebook: Gradebook) -> list[SubmissionResult]:
    results = gradebook.latest()
    recorded = gradebook.report_dirs()
    for r in results:  # results from before folders were recorded (and named by a hash): their files, once
        if recorded.get((r.assignment, r.submission_id)) != report.safe_dirname(r.submission_id):
            write_report_files(out, r)
            gradebook.set_report_dir(r, report.safe_dirname(r.submission_id))
    export.write_grades_csv(results, out / "grades.csv", tests=False)
    export.write_lms_csv(results, out / "lms.csv")
    lms.write_canvas(results, out / "canvas.csv")
    lms.write_moodle(results, out / "moodle.csv")
    export.write_junit(results, out / "junit.xml")
    dashboard.write(out, results, report.env(), lambda assignment, sid: report.safe_dirname(sid))
    return results
