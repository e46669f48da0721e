"""Preparing a submission for grading: read it, hash it, extract what is graded. No student code runs.

A failure here (not a notebook, unreadable, a symbol missing) is a status on the :class:`Prepared`
record, never an exception: one broken submission never stops a batch.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

from grader.errors import SubmissionError
from grader.intake import notebook
from grader.intake.discover import Found
from grader.intake.extract import Extraction


@dataclass(frozen=True)
class Prepared:
    submission_id: str
    path: Path
    content_hash: str
    extraction: Extraction | None
    unusable: SubmissionError | None = None
    warnings: tuple[str, ...] = ()


def prepare(path: Path, assignment, submission_id: str | None = None) -> Prepared:
    """``assignment`` is a :class:`grader.assignment.Assignment` (it knows its symbols and helpers)."""
    sid = submission_id or path.stem
    try:
        sub = notebook.read(path)
    except SubmissionError as exc:
        return Prepared(sid, path, _digest_of(path), None, exc)
    digest = hashlib.sha256(sub.raw).hexdigest()
    try:
        ex = assignment.extract(notebook.strip_ipython(sub.cells))
    except SubmissionError as exc:
        return Prepared(sid, path, digest, None, exc)
    return Prepared(sid, path, digest, ex, None, ex.warnings)


def prepare_all(found: list[Found], assignment) -> list[Prepared]:
    out = []
    for f in found:
        prep = prepare(f.path, assignment, f.submission_id)
        if f.note:
            prep = replace(prep, warnings=(*prep.warnings, f.note))
        out.append(prep)
    return out


def _digest_of(path: Path) -> str:
    """The content hash of a file that could not be read as a submission (empty when unreadable too)."""
    try:
        return hashlib.sha256(path.read_bytes() if path.is_file() else b"").hexdigest()
    except OSError:
        return hashlib.sha256(b"").hexdigest()
