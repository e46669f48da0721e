"""The gradebook: SQLite, one row per graded submission plus one per test, committed as each finishes.

A result is keyed by (assignment, submission content hash, test-suite hash, grader version): grading the
same bytes with the same tests again is skipped unless forced, and a killed run loses only what had not
been committed yet. The latest result per (assignment, submission id) is what exports read.
"""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from grader.results.records import SubmissionResult

SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    assignment TEXT NOT NULL, submission_id TEXT NOT NULL, content_hash TEXT NOT NULL,
    suite_hash TEXT NOT NULL, grader_version TEXT NOT NULL,
    status TEXT NOT NULL, score REAL NOT NULL, max_score REAL NOT NULL, path TEXT NOT NULL,
    device TEXT NOT NULL, protections TEXT NOT NULL, duration REAL NOT NULL,
    graded_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    record TEXT NOT NULL, report_dir TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (assignment, submission_id, content_hash, suite_hash, grader_version)
);
CREATE TABLE IF NOT EXISTS tests (
    assignment TEXT NOT NULL, submission_id TEXT NOT NULL, content_hash TEXT NOT NULL,
    suite_hash TEXT NOT NULL, grader_version TEXT NOT NULL,
    test TEXT NOT NULL, visibility TEXT NOT NULL, outcome TEXT NOT NULL, points REAL NOT NULL,
    max_points REAL NOT NULL, message TEXT NOT NULL, duration REAL NOT NULL,
    PRIMARY KEY (assignment, submission_id, content_hash, suite_hash, grader_version, test)
);
"""


class Gradebook:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.db = sqlite3.connect(path, timeout=30, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(results)")}
        if "report_dir" not in columns:  # a gradebook from before report folders were recorded
            self.db.execute("ALTER TABLE results ADD COLUMN report_dir TEXT NOT NULL DEFAULT ''")

    def has(self, assignment: str, submission_id: str, content_hash: str, suite_hash: str, version: str) -> bool:
        row = self.db.execute("SELECT 1 FROM results WHERE assignment=? AND submission_id=? AND content_hash=? "
                              "AND suite_hash=? AND grader_version=?",
                              (assignment, submission_id, content_hash, suite_hash, version)).fetchone()
        return row is not None

    def add(self, r: SubmissionResult, report_dir: str = "") -> None:
        """Commit ``r`` and its tests; ``report_dir`` is its folder under ``--out/<assignment>/``."""
        key = (r.assignment, r.submission_id, r.content_hash, r.suite_hash, r.grader_version)
        with self.db:  # one transaction: the submission and all its tests, or nothing
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute("DELETE FROM tests WHERE assignment=? AND submission_id=? AND content_hash=? AND "
                            "suite_hash=? AND grader_version=?", key)
            self.db.execute("INSERT OR REPLACE INTO results (assignment, submission_id, content_hash, suite_hash, "
                            "grader_version, status, score, max_score, path, device, protections, duration, record, "
                            "report_dir) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                            (*key, r.status, r.score, r.max_score, r.path, r.device, json.dumps(r.protections),
                             r.duration, json.dumps(r.to_dict()), report_dir))
            self.db.executemany("INSERT INTO tests VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                                [(*key, t.name, t.visibility, t.outcome, t.points, t.max_points, t.message,
                                  t.duration) for t in _unique(r.tests)])

    def latest(self, assignment: str | None = None) -> list[SubmissionResult]:
        """The newest result of each (assignment, submission id), ordered by assignment and id."""
        sql, args = "SELECT assignment, submission_id, record FROM results", ()
        if assignment:
            sql, args = sql + " WHERE assignment = ?", (assignment,)
        # newest first within a submission; rowid breaks a tie within the same millisecond
        rows = self.db.execute(sql + " ORDER BY assignment, submission_id, graded_at DESC, rowid DESC", args).fetchall()
        seen, out = set(), []
        for assignment_name, submission_id, record in rows:
            if (assignment_name, submission_id) not in seen:  # decode only the newest of each
                seen.add((assignment_name, submission_id))
                out.append(SubmissionResult.from_dict(json.loads(record)))
        return out

    def report_dirs(self, assignment: str | None = None) -> dict[tuple[str, str], str]:
        """The recorded report folder of the newest result of each (assignment, submission id), as
        :meth:`latest` picks it; ``""`` for a result recorded before folders were."""
        sql, args = "SELECT assignment, submission_id, report_dir FROM results", ()
        if assignment:
            sql, args = sql + " WHERE assignment = ?", (assignment,)
        rows = self.db.execute(sql + " ORDER BY assignment, submission_id, graded_at DESC, rowid DESC", args)
        out: dict[tuple[str, str], str] = {}
        for assignment_name, submission_id, report_dir in rows:
            out.setdefault((assignment_name, submission_id), report_dir)
        return out

    def set_report_dir(self, r: SubmissionResult, report_dir: str) -> None:
        self.db.execute("UPDATE results SET report_dir=? WHERE assignment=? AND submission_id=? AND content_hash=? "
                        "AND suite_hash=? AND grader_version=?",
                        (report_dir, r.assignment, r.submission_id, r.content_hash, r.suite_hash, r.grader_version))

    def close(self) -> None:
        self.db.close()


def _unique(tests):
    seen = set()
    for t in tests:
        if t.name not in seen:
            seen.add(t.name)
            yield t
