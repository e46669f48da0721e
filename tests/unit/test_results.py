"""Records in, files out: the gradebook, the exports and the HTML reports, in-process and without root.

Everything a student controls (ids, messages, printed output) is hostile here, and must come out as inert
text: escaped in HTML, without terminal escapes, in a JUnit file that parses.
"""
import json
import xml.etree.ElementTree as ET

import pandas as pd

from grader.results import export, report
from grader.results.gradebook import Gradebook
from grader.results.outputs import write_exports
from grader.results.records import FAILED, PASSED, SKIPPED, SubmissionResult, TestResult

HOSTILE = "<script>alert(1)</script>\x1b[2J\x1b]0;pwned\x07"


def _result(sid="alice", score=3.0, **kw) -> SubmissionResult:
    tests = (TestResult("test_a", "first", "public", 2.0, 2.0, PASSED),
             TestResult("test_b", "second", "hidden", 0.0, 1.0, FAILED, message=f"wrong {HOSTILE}",
                        output=f"printed {HOSTILE}"),
             TestResult("test_gpu", "", "hidden", 0.0, 1.0, SKIPPED, message="no CUDA device"))
    base = dict(submission_id=sid, assignment="bpe", path=f"/in/{sid}.ipynb", content_hash="c" * 64,
                suite_hash="s" * 16, status="graded", score=score, max_score=3.0, tests=tests, grader_version="0.1.0")
    return SubmissionResult(**{**base, **kw})


def test_gradebook_round_trips_and_keeps_the_latest(tmp_path):
    book = Gradebook(tmp_path / "g.sqlite")
    first = _result()
    book.add(first)
    assert book.has("bpe", "alice", "c" * 64, "s" * 16, "0.1.0")
    assert not book.has("bpe", "alice", "d" * 64, "s" * 16, "0.1.0")
    assert book.latest() == [first]
    second = _result(content_hash="d" * 64, score=2.0)
    book.add(second)
    assert book.latest() == [second]
    book.close()


def test_exports_describe_every_result(tmp_path):
    book = Gradebook(tmp_path / "gradebook.sqlite")
    for sid in ("alice", HOSTILE):
        book.add(_result(sid))
    write_exports(tmp_path, book)
    course = pd.read_csv(tmp_path / "grades.csv")
    assert list(course.columns) == ["submission_id", "assignment", "score", "max_score", "status"]
    grades = pd.read_csv(tmp_path / "bpe" / "grades.csv")  # one assignment's tests as columns
    assert list(grades.columns[5:]) == ["test_a", "test_b", "test_gpu"]
    assert len(grades) == 2 and grades.loc[grades.submission_id == "alice", "test_gpu"].isna().all()
    suites = ET.parse(tmp_path / "junit.xml").getroot()
    assert len(suites) == 2 and suites[0].get("failures") == "1" and suites[0].get("skipped") == "1"


def test_gradescope_results_follow_the_schema():
    data = export.gradescope(_result())
    assert data["score"] == 3.0 and {t["status"] for t in data["tests"]} == {"passed", "failed"}
    assert len(data["tests"]) == 2  # a test skipped on this device is not shown as lost
    assert all(set(t) >= {"name", "score", "max_score", "output", "visibility"} for t in data["tests"])
    json.dumps(data)


def test_html_shows_student_text_as_text(tmp_path):
    result = _result(HOSTILE)
    report.write_submission_report(result, tmp_path / "report.html")
    from grader.results import dashboard
    dashboard.write(tmp_path, [result], report.env(), lambda a, sid: report.safe_dirname(sid))
    for page in ("report.html", "index.html", "bpe/index.html"):
        html = (tmp_path / page).read_text()
        assert "<script>alert" not in html and "\x1b" not in html and "\x07" not in html
        assert page == "index.html" or "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_report_folders_cannot_escape_the_output_folder():
    for sid in ("../../etc", "/abs", ".hidden", "a/b", ""):
        name = report.safe_dirname(sid)
        assert name and "/" not in name and not name.startswith(".")
