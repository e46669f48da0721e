"""Finding submissions: files, folders of files, folders of student folders, and LMS ``.zip`` exports.

One submission per notebook, per ``.py`` file, or per student folder (the notebook inside it). Everything
else a cohort holds also gets a row, so nothing vanishes: a file of another type is ``unsupported``; a link,
a FIFO or a device is ``invalid`` (never followed, never opened); a folder without a notebook is
``invalid``; an archive past its caps is one ``invalid`` row. Ids come from the file or folder names, made
printable and unique by :mod:`grader.intake.identity`. Discovery reads no file's content and never raises
for what a student controls: only a path the instructor named that does not exist is a usage error.
"""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass, replace
from pathlib import Path

from grader.errors import SubmissionError, UsageError
from grader.intake import identity, sources
from grader.intake.sources import DIR, FILE, SUFFIXES, UNREADABLE, UNSAFE, Entry, Limits


@dataclass(frozen=True)
class Found:
    submission_id: str
    path: Path  # the file to read, or (archive members) the archive path / member name, for people
    note: str = ""  # for the student too: "the folder holds 2 notebooks; graded hw.ipynb", a renamed id
    problem: SubmissionError | None = None  # decided without reading: a link, an unsupported file, ...
    archive: Path | None = None  # the .zip holding it; then ``member`` is its position in the listing
    member: int = -1
    origin: str = ""  # where it came from, stable across runs (ranks claims to an id)


def discover(paths: list[Path], limits: Limits | None = None) -> list[Found]:
    """Every submission under the named paths, each with a unique id (see :func:`identity.assign`)."""
    limits = limits or Limits()
    claims: list[tuple[Found, str]] = []  # (found with its natural id, full name)
    for path in paths:
        if not os.path.lexists(path):
            raise UsageError(f"no such file or folder: {identity.clean_path(path)}")
        claims += _named(path, limits)
    ids = identity.assign([(f.submission_id, full, f.origin) for f, full in claims])
    out = []
    for (f, _), sid in zip(claims, ids):
        if sid != f.submission_id:
            note = f"another submission is also named {f.submission_id!r}; this one is graded as {sid!r}"
            f = replace(f, submission_id=sid, note="; ".join(n for n in (f.note, note) if n))
        out.append(f)
    return out


def _named(path: Path, limits: Limits) -> list[tuple[Found, str]]:
    """What one instructor-named path holds. A named link is not followed either: shell globs such as
    ``cohort/*`` put student names on the command line."""
    origin = os.path.abspath(path)
    try:
        mode = os.lstat(path).st_mode
    except OSError as exc:
        return [_single(Entry((path.name,), UNREADABLE, path, detail=exc.strerror or str(exc)), origin)]
    if stat.S_ISDIR(mode):
        try:
            entries, cut = sources.walk(path, limits)
        except OSError as exc:
            return [_single(Entry((path.name,), UNREADABLE, path, detail=exc.strerror or str(exc)), origin)]
        return _cohort(entries, cut, origin, limits)
    if stat.S_ISREG(mode) and path.suffix.lower() == ".zip":
        try:
            entries = sources.list_archive(path, limits)
        except SubmissionError as exc:
            return [(Found(identity.natural_id(path.stem), path, problem=exc, origin=origin), path.name)]
        return _archive(path, entries, origin, limits)
    return [_single(Entry((path.name,), sources.kind_of(mode), path, detail=sources.describe(mode)), origin)]


def _archive(archive: Path, entries: list[Entry], origin: str, limits: Limits) -> list[tuple[Found, str]]:
    unsafe = [e for e in entries if e.kind == UNSAFE]
    safe = [e for e in entries if e.kind != UNSAFE and not any(sources.skipped(p) for p in e.parts)]
    tops = {e.parts[0] for e in safe}
    if len(tops) == 1 and all(len(e.parts) > 1 or e.kind == DIR for e in safe):  # one wrapping folder
        safe = [replace(e, parts=e.parts[1:]) for e in safe if len(e.parts) > 1]
    found = [_single(e, f"{origin}!/{'/'.join(e.parts)}", archive) for e in unsafe]
    return found + _cohort(safe, set(), f"{origin}!", limits, archive)


def _cohort(entries: list[Entry], cut: set[str], origin: str, limits: Limits,
            archive: Path | None = None) -> list[tuple[Found, str]]:
    """One claim per top-level entry: a file is a submission (or a row saying why not), a folder is a student's."""
    files: list[Entry] = []
    folders: dict[str, list[Entry]] = {}
    for e in entries:
        if len(e.parts) == 1 and e.kind != DIR:
            files.append(e)
        else:
            folders.setdefault(e.parts[0], []).append(e)
    out = [_single(e, f"{origin}/{e.parts[0]}", archive) for e in files]
    for name, group in sorted(folders.items()):
        out.append(_student_folder(name, group, name in cut, f"{origin}/{name}", limits, archive))
    return out


def _single(entry: Entry, origin: str, archive: Path | None = None) -> tuple[Found, str]:
    """A top-level file (or link, or special file) as a claim."""
    name = entry.parts[-1]
    stem, suffix = os.path.splitext(name)
    graded = suffix.lower() in SUFFIXES
    problem = sources.problem_for(entry)
    if problem is None and not graded:
        problem = SubmissionError("unsupported", f"{identity.clean(name)} is not a notebook (.ipynb) or a Python "
                                                 f"file (.py); it was not graded")
    natural = identity.natural_id(stem if graded and entry.kind != UNSAFE else name)
    return (Found(natural, entry.path, problem=problem, archive=archive, member=entry.member, origin=origin), name)


def _student_folder(name: str, group: list[Entry], cut: bool, origin: str, limits: Limits,
                    archive: Path | None) -> tuple[Found, str]:
    """The notebook of a student folder (else its .py file): regular files first, then whatever was found."""
    inside = [e for e in group if len(e.parts) > 1]
    for suffix in SUFFIXES:
        candidates = [e for e in inside if e.kind != DIR and e.parts[-1].lower().endswith(suffix)]
        if candidates:
            break
    candidates.sort(key=lambda e: (e.kind != FILE, e.parts))
    notes = [f"stopped looking after {limits.folder_entries} files in this folder"] if cut else []
    natural = identity.natural_id(name)
    folder = next((e.path for e in group if len(e.parts) == 1), None) or (archive or Path()) / name
    if not candidates:
        unreadable = next((e for e in group if e.kind == UNREADABLE), None)
        holds = sorted(identity.clean("/".join(e.parts[1:])) for e in inside if e.kind != DIR)
        problem = sources.problem_for(unreadable) if unreadable else SubmissionError(
            "invalid", f"no notebook (.ipynb) or .py file was found in the folder {identity.clean(name)}"
                       + (f" (it holds: {', '.join(holds[:5])}{', ...' if len(holds) > 5 else ''})" if holds else ""))
        return Found(natural, folder, "; ".join(notes), problem, archive, -1, origin), name
    chosen = candidates[0]
    if len(candidates) > 1:
        notes.append(f"the folder holds {len(candidates)} {'notebooks' if suffix == '.ipynb' else 'files'}; "
                     f"graded {identity.clean('/'.join(chosen.parts[1:]))}")
    return (Found(natural, chosen.path, "; ".join(notes), sources.problem_for(chosen), archive, chosen.member,
                  origin), name)
