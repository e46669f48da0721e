"""Canvas and Moodle gradebook CSVs: the headers each LMS's importer reads, files that parse, no formula."""
import csv

from grader.results import lms
from grader.results.gradebook import Gradebook
from grader.results.outputs import write_exports
from grader.results.records import SubmissionResult

FORMULA = "=HYPERLINK(\"http://evil\",\"x\")"


def _result(sid, assignment="bpe", score=12.0, status="graded") -> SubmissionResult:
    return SubmissionResult(submission_id=sid, assignment=assignment, path=f"/in/{sid}.ipynb", content_hash="c" * 64,
                            suite_hash="s" * 16, status=status, score=score, max_score=16.0, grader_version="0.1.0")


RESULTS = [_result("alice"), _result("bob@uni.edu", score=0.0, status="missing_symbol"),
           _result(FORMULA, score=3.5), _result("alice", assignment="mha", score=9.0),
           _result("line\nbreak, \"quoted\"", score=1.0)]


def _read(path):
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def test_canvas_csv_has_canvas_headers_and_one_row_per_student(tmp_path):
    items = {"bpe": lms.Item("bpe", "Assignment 4: Byte Pair Encoding", "12345")}
    lms.write_canvas(RESULTS, tmp_path / "canvas.csv", items)
    rows = _read(tmp_path / "canvas.csv")
    assert rows[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert rows[0][5] == "Assignment 4: Byte Pair Encoding (12345)"
    assert rows[0][6] == lms.item("mha").title  # from assignments/mha/assignment.toml, no Canvas id there
    assert len(rows) == 1 + 4 and all(len(r) == len(rows[0]) for r in rows)
    alice = next(r for r in rows if r[0] == "alice")
    assert alice[3] == "alice" and alice[5] == "12" and alice[6] == "9"
    bob = next(r for r in rows if r[0] == "bob@uni.edu")
    assert bob[5] == "0" and bob[6] == ""  # no mha result: blank, Canvas leaves the grade alone


def test_moodle_csv_has_moodle_headers_grades_and_feedback(tmp_path):
    lms.write_moodle(RESULTS, tmp_path / "moodle.csv")
    rows = _read(tmp_path / "moodle.csv")
    title = lms.item("bpe").title
    assert rows[0][:2] == ["ID number", "Email address"]
    assert rows[0][2:4] == [f"Assignment: {title}", f"Feedback: {title}"]
    assert len(rows) == 1 + 4 and all(len(r) == len(rows[0]) for r in rows)
    bob = next(r for r in rows if r[0] == "bob@uni.edu")
    assert bob[1] == "bob@uni.edu" and bob[2] == "0" and "missing_symbol" in bob[3]
    alice = next(r for r in rows if r[0] == "alice")
    assert alice[1] == "" and alice[2] == "12" and alice[3].startswith("12/16")


def test_no_cell_starts_a_spreadsheet_formula(tmp_path):
    lms.write_canvas(RESULTS, tmp_path / "canvas.csv")
    lms.write_moodle(RESULTS, tmp_path / "moodle.csv")
    for name in ("canvas.csv", "moodle.csv"):
        cells = [c for row in _read(tmp_path / name) for c in row]
        assert "'" + FORMULA in cells
        assert not any(c.startswith(("=", "+", "@", "\t", "\r")) for c in cells), name
        assert not any(c.startswith("-") and not c.lstrip("-").replace(".", "").isdigit() for c in cells), name


def test_a_missing_assignment_file_falls_back_to_the_name(tmp_path):
    assert lms.item("bpe", root=tmp_path) == lms.Item("bpe", "bpe")
    (tmp_path / "assignments" / "x").mkdir(parents=True)
    (tmp_path / "assignments" / "x" / "assignment.toml").write_text(
        'title = "Assignment 9"\nsymbols = ["f"]\n[lms]\ncanvas_assignment_id = 777\n')
    assert lms.item("x", root=tmp_path).canvas_column == "Assignment 9 (777)"


def test_grade_writes_both_and_a_gradebook_re_exports_them(tmp_path):
    book = Gradebook(tmp_path / "gradebook.sqlite")
    for r in RESULTS:
        book.add(r)
    write_exports(tmp_path, book)
    book.close()
    first = {n: (tmp_path / n).read_text() for n in ("canvas.csv", "moodle.csv")}
    again = Gradebook(tmp_path / "gradebook.sqlite")
    lms.write_canvas(again.latest(), tmp_path / "canvas2.csv")
    lms.write_moodle(again.latest(), tmp_path / "moodle2.csv")
    again.close()
    assert (tmp_path / "canvas2.csv").read_text() == first["canvas.csv"]
    assert (tmp_path / "moodle2.csv").read_text() == first["moodle.csv"]
    assert _read(tmp_path / "canvas.csv")[0][0] == "Student"
