"""Preparing a submission for grading: read it, hash it, extract what is graded. No student code runs.

A failure here (not a notebook, a link, too large, unreadable, a symbol missing, code the parser cannot
build) is a status on the :class:`Prepared` record, never an exception: one broken submission never stops
a batch. Archive members are read from the archive (:class:`sources.ArchiveReader`), never from disk.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

from grader.errors import SubmissionError
from grader.intake import identity, notebook, sources
from grader.intake.discover import Found
from grader.intake.extract import Extraction


@dataclass(frozen=True)
class Prepared:
    submission_id: str
    path: Path  # where it came from, as printable text (for the record and people; never opened again)
    content_hash: str
    extraction: Extraction | None
    unusable: SubmissionError | None = None
    warnings: tuple[str, ...] = ()


def prepare(path: Path, assignment, submission_id: str | None = None, limits: sources.Limits | None = None) -> Prepared:
    """``assignment`` is a :class:`grader.assignment.Assignment` (it knows its symbols and helpers)."""
    sid = submission_id or identity.natural_id(path.stem)
    try:
        raw = sources.read_file(path, (limits or sources.Limits()).notebook_bytes)
    except SubmissionError as exc:
        return _unusable(sid, path, exc)
    return _from_bytes(sid, path, raw, assignment)


def prepare_all(found: list[Found], assignment, limits: sources.Limits | None = None) -> list[Prepared]:
    out = []
    limits = limits or sources.Limits()
    with sources.ArchiveReader(limits) as archives:
        for f in found:
            prep = _prepare_found(f, assignment, limits, archives)
            if f.note:
                prep = replace(prep, warnings=(*prep.warnings, f.note))
            out.append(prep)
    return out


def _prepare_found(f: Found, assignment, limits: sources.Limits, archives: sources.ArchiveReader) -> Prepared:
    if f.problem is not None:
        return _unusable(f.submission_id, f.path, f.problem)
    try:
        if f.archive is not None:
            raw = archives.read(f.archive, f.member)
        else:
            raw = sources.read_file(f.path, limits.notebook_bytes)
    except SubmissionError as exc:
        return _unusable(f.submission_id, f.path, exc)
    return _from_bytes(f.submission_id, f.path, raw, assignment)


def _from_bytes(sid: str, path: Path, raw: bytes, assignment) -> Prepared:
    digest = hashlib.sha256(raw).hexdigest()
    shown = Path(identity.clean_path(path))
    try:
        sub = notebook.parse(path, raw)
        ex = assignment.extract(notebook.strip_ipython(sub.cells))
    except SubmissionError as exc:
        return Prepared(sid, shown, digest, None, exc)
    except (RecursionError, MemoryError, ValueError, UnicodeError) as exc:  # code too deep or large to parse
        return Prepared(sid, shown, digest, None, SubmissionError(
            "invalid", f"the grader could not parse the code of {identity.clean(path.name)} "
                       f"({exc.__class__.__name__}: an expression nested or long beyond what Python's parser "
                       f"builds); split it up and submit again"))
    except Exception as exc:  # noqa: BLE001 - a grader bug on one submission must not stop the batch
        return Prepared(sid, shown, digest, None, SubmissionError(
            "grader_error", f"the grader failed while reading this submission ({exc.__class__.__name__}); "
                            f"the instructor will look at it"))
    return Prepared(sid, shown, digest, ex, None, ex.warnings)


def _unusable(sid: str, path: Path, problem: SubmissionError) -> Prepared:
    """A submission that could not be read: hashed over why (the file itself is never read again)."""
    digest = hashlib.sha256(f"{problem.status}\n{problem.message}".encode("utf-8", "replace")).hexdigest()
    return Prepared(sid, Path(identity.clean_path(path)), digest, None, problem)
