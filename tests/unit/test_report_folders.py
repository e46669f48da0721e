"""One report folder per submission id, recorded in the gradebook; gradebooks from before still read and link."""
import json
import sqlite3

from grader.results import report
from grader.results.gradebook import Gradebook
from grader.results.outputs import Recorder, write_exports
from grader.results.records import SubmissionResult


def _result(sid: str, score: float = 1.0) -> SubmissionResult:
    return SubmissionResult(sid, "bpe", f"/in/{sid}.ipynb", "c" * 64, "s" * 16, "graded", score, 1.0,
                            grader_version="0.1.0")


def test_ids_that_read_alike_get_their_own_folders():
    ids = ["bob smith", "bob_smith", "bob?smith", "Bob_smith", "bob_smith-" + "0" * 12, "bob/smith", "../bob",
           ".bob", "bob\x1b", "b\udce9b", "x" * 300, "", "alice.py", "alice~2"]
    names = [report.safe_dirname(sid) for sid in ids]
    assert len(set(names)) == len(ids)
    assert report.safe_dirname("bob_smith") == "bob_smith" and report.safe_dirname("alice.py") == "alice.py"
    assert all(n and "/" not in n and not n.startswith(".") and len(n) <= 100 and n.isascii() for n in names)


def test_the_recorder_writes_and_records_each_folder(tmp_path):
    book = Gradebook(tmp_path / "gradebook.sqlite")
    recorder = Recorder(tmp_path, book, lambda r: None)
    for i, sid in enumerate(("bob smith", "bob_smith", "bob?smith")):
        recorder(_result(sid, score=i / 4))
    dirs = book.report_dirs()
    assert len(set(dirs.values())) == 3
    for (assignment, sid), folder in dirs.items():
        data = json.loads((tmp_path / assignment / folder / "results.json").read_text())
        assert data["score"] == {"bob smith": 0.0, "bob_smith": 0.25, "bob?smith": 0.5}[sid]


def test_a_gradebook_from_before_report_folders_is_read_and_linked(tmp_path):
    path = tmp_path / "gradebook.sqlite"
    db = sqlite3.connect(path)  # the schema before the report_dir column
    db.executescript("""CREATE TABLE results (assignment TEXT NOT NULL, submission_id TEXT NOT NULL,
        content_hash TEXT NOT NULL, suite_hash TEXT NOT NULL, grader_version TEXT NOT NULL, status TEXT NOT NULL,
        score REAL NOT NULL, max_score REAL NOT NULL, path TEXT NOT NULL, device TEXT NOT NULL,
        protections TEXT NOT NULL, duration REAL NOT NULL,
        graded_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), record TEXT NOT NULL,
        PRIMARY KEY (assignment, submission_id, content_hash, suite_hash, grader_version));""")
    old = _result("bob smith")
    db.execute("INSERT INTO results (assignment, submission_id, content_hash, suite_hash, grader_version, status, "
               "score, max_score, path, device, protections, duration, record) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
               ("bpe", "bob smith", "c" * 64, "s" * 16, "0.1.0", "graded", 1.0, 1.0, "/in", "cpu", "[]", 0.0,
                json.dumps(old.to_dict())))
    db.commit()
    db.close()
    book = Gradebook(path)
    assert book.latest() == [old] and book.report_dirs() == {("bpe", "bob smith"): ""}
    write_exports(tmp_path, book)  # writes the folder the index links to, once, and records it
    folder = report.safe_dirname("bob smith")
    assert book.report_dirs() == {("bpe", "bob smith"): folder}
    assert (tmp_path / "bpe" / folder / "report.html").is_file()
    assert f"{folder}/report.html" in (tmp_path / "bpe" / "index.html").read_text()
