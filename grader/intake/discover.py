"""Finding submissions: files, folders of files, folders of student folders, and LMS ``.zip`` exports.

One submission per notebook, per ``.py`` file, or per student folder (the notebook inside it). The
submission id comes from the file or folder name; two inputs with the same id are both kept, the
second renamed ``id~2``, and reported.
"""
from __future__ import annotations

import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from grader.errors import UsageError

SUFFIXES = (".ipynb", ".py")
SKIP = {".ipynb_checkpoints", "__pycache__", "__MACOSX", ".git"}


@dataclass(frozen=True)
class Found:
    submission_id: str
    path: Path
    note: str = ""  # e.g. "duplicate id", "folder holds several notebooks"


def discover(paths: list[Path], workdir: Path | None = None) -> list[Found]:
    found: list[Found] = []
    for path in paths:
        if not path.exists():
            raise UsageError(f"no such file or folder: {path}")
        if path.is_file() and path.suffix == ".zip":
            found += _from_zip(path, workdir)
        elif path.is_file():
            found.append(Found(path.stem, path))
        else:
            found += _from_folder(path)
    return _dedupe(found)


def _from_folder(folder: Path) -> list[Found]:
    out = []
    for entry in sorted(folder.iterdir()):
        if entry.name in SKIP or entry.name.startswith("."):
            continue
        if entry.is_file() and entry.suffix in SUFFIXES:
            out.append(Found(entry.stem, entry))
        elif entry.is_dir():
            out.append(_student_folder(entry))
    return out


def _student_folder(folder: Path) -> Found:
    notebooks = sorted(p for p in folder.rglob("*.ipynb") if not SKIP & set(p.parts))
    scripts = sorted(p for p in folder.rglob("*.py") if not SKIP & set(p.parts))
    candidates = notebooks or scripts
    if not candidates:
        return Found(folder.name, folder, "no notebook in this folder")
    note = f"the folder holds {len(candidates)} notebooks; graded {candidates[0].name}" if len(candidates) > 1 else ""
    return Found(folder.name, candidates[0], note)


def _from_zip(archive: Path, workdir: Path | None) -> list[Found]:
    target = Path(tempfile.mkdtemp(prefix="grader-zip-", dir=workdir))
    try:
        with zipfile.ZipFile(archive) as zf:
            for member in zf.infolist():
                name = Path(member.filename)
                if name.is_absolute() or ".." in name.parts:
                    continue  # never write outside the extraction folder
                zf.extract(member, target)
    except zipfile.BadZipFile:
        raise UsageError(f"{archive} is not a readable zip archive") from None
    roots = [p for p in target.iterdir() if p.name not in SKIP]
    return _from_folder(roots[0] if len(roots) == 1 and roots[0].is_dir() else target)


def _dedupe(found: list[Found]) -> list[Found]:
    seen: dict[str, int] = {}
    out = []
    for f in found:
        n = seen.get(f.submission_id, 0) + 1
        seen[f.submission_id] = n
        if n > 1:
            f = Found(f"{f.submission_id}~{n}", f.path, f"duplicate submission id {f.submission_id!r} ({f.path})")
        out.append(f)
    return out
