"""Reading what students send without trusting it: regular files only, never a link, always within caps.

Folders are walked without following links (each entry is classified from ``lstat``: file, folder, link,
something special such as a FIFO or a device). A file is opened with ``O_NOFOLLOW | O_NONBLOCK``, must
still be the regular file that was listed, and is read up to its cap, however large it claims to be.
A ``.zip`` is never extracted: its listing is checked against the archive caps (members, total unpacked
size), and a member is streamed into memory under the notebook cap and a compression-ratio cap, so
nothing is left on disk and no member name is ever used as a path. Every failure is a
:class:`SubmissionError` for the one submission it concerns.
"""
from __future__ import annotations

import os
import stat
import zipfile
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from grader.errors import SubmissionError
from grader.intake.identity import clean

MiB = 1 << 20
SUFFIXES = (".ipynb", ".py")  # what is graded; anything else is listed, never read
FILE, DIR, LINK, SPECIAL, UNREADABLE, UNSAFE = "file", "folder", "link", "special", "unreadable", "unsafe"
_RATIO_FLOOR = MiB  # members smaller than this may compress as well as they like


@dataclass(frozen=True)
class Limits:
    """Caps on what intake reads (``grade --max-notebook-mib`` sets the first)."""

    notebook_bytes: int = 20 * MiB
    archive_bytes: int = 2048 * MiB  # notebooks read from one archive, unpacked, as the archive declares them
    archive_members: int = 20_000
    archive_ratio: int = 200  # unpacked : compressed, for members above 1 MiB
    folder_entries: int = 10_000  # entries looked at in one student folder


@dataclass(frozen=True)
class Entry:
    """One thing found under a root, named by its parts relative to that root."""

    parts: tuple[str, ...]
    kind: str  # FILE, DIR, LINK, SPECIAL, UNREADABLE, UNSAFE
    path: Path  # a real path (folders), or archive path / member name (for people only)
    member: int = -1  # position in the archive's listing (archives only)
    detail: str = ""  # what a SPECIAL is, why an entry is UNREADABLE


def kind_of(mode: int) -> str:
    return (FILE if stat.S_ISREG(mode) else DIR if stat.S_ISDIR(mode) else LINK if stat.S_ISLNK(mode)
            else SPECIAL)


def describe(mode: int) -> str:
    """'a FIFO', 'a character device', ... for a special file's mode."""
    for test, words in ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
                        (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return words
    return "not a regular file"


def problem_for(entry: Entry) -> SubmissionError | None:
    """The status an entry gets without being read: links, special files, unreadable or unsafe entries."""
    name = clean("/".join(entry.parts) or entry.path.name)
    if entry.kind == LINK:
        return SubmissionError("invalid", f"{name} is a symbolic link; the grader reads only regular files "
                                          f"(submit the file itself, not a link to it)")
    if entry.kind == SPECIAL:
        return SubmissionError("invalid", f"{name} is {entry.detail}, not a regular file; it was not read")
    if entry.kind == UNREADABLE:
        return SubmissionError("unreadable", f"cannot read {name}: {entry.detail}")
    if entry.kind == UNSAFE:
        return SubmissionError("invalid", f"the archive member {name} points outside the archive's folder "
                                          f"(an absolute path or ..); it was not read")
    return None


def too_large(name: str, size: int, limit: int) -> SubmissionError:
    return SubmissionError("invalid", f"{clean(name)} is {size / MiB:.1f} MiB; the grader reads notebooks of "
                                      f"at most {limit / MiB:g} MiB (clear the outputs and submit again)")


def read_file(path: Path, limit: int) -> bytes:
    """The bytes of a regular file, never through a link, at most ``limit`` of them (else SubmissionError)."""
    name = path.name
    try:
        listed = os.lstat(path)
        if not stat.S_ISREG(listed.st_mode):
            raise _not_regular(Entry((name,), kind_of(listed.st_mode), path, detail=describe(listed.st_mode)))
        if listed.st_size > limit:
            raise too_large(name, listed.st_size, limit)
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as exc:
        raise SubmissionError("unreadable", f"cannot read {clean(name)}: {exc.strerror or exc}") from None
    with os.fdopen(fd, "rb") as f:
        opened = os.fstat(fd)
        if (opened.st_dev, opened.st_ino) != (listed.st_dev, listed.st_ino) or not stat.S_ISREG(opened.st_mode):
            raise SubmissionError("invalid", f"{clean(name)} changed while the grader was reading it")
        try:
            data = f.read(limit + 1)
        except OSError as exc:
            raise SubmissionError("unreadable", f"cannot read {clean(name)}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise too_large(name, len(data), limit)
    return data


def _not_regular(entry: Entry) -> SubmissionError:
    return problem_for(entry) or SubmissionError("invalid", f"{clean(entry.path.name)} is not a regular file")


def walk(root: Path, limits: Limits) -> tuple[list[Entry], set[str]]:
    """Everything under ``root`` (breadth first, links never followed, hidden and tool folders skipped),
    and the top-level names whose walk stopped at ``limits.folder_entries``. A sub-folder that cannot be
    listed is an UNREADABLE entry named by its parts and ``""``; OSError only when ``root`` cannot be."""
    entries: list[Entry] = []
    counts: dict[str, int] = {}
    cut: set[str] = set()
    queue: deque[tuple[tuple[str, ...], Path]] = deque([((), root)])
    while queue:
        parts, folder = queue.popleft()
        try:
            with os.scandir(folder) as it:
                children = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            if not parts:
                raise  # the named folder itself: the caller makes it a row
            entries.append(Entry(parts + ("",), UNREADABLE, folder, detail=exc.strerror or str(exc)))
            continue
        for child in children:
            if skipped(child.name):
                continue
            here = parts + (child.name,)
            top = here[0]
            counts[top] = counts.get(top, 0) + 1
            if counts[top] > limits.folder_entries:
                cut.add(top)
                continue
            try:
                mode = child.stat(follow_symlinks=False).st_mode
            except OSError as exc:
                entries.append(Entry(here, UNREADABLE, Path(child.path), detail=exc.strerror or str(exc)))
                continue
            entries.append(Entry(here, kind_of(mode), Path(child.path), detail=describe(mode)))
            if stat.S_ISDIR(mode):
                queue.append((here, Path(child.path)))
    return entries, cut


SKIP = {".ipynb_checkpoints", "__pycache__", "__MACOSX", ".git"}


def skipped(name: str) -> bool:
    return name in SKIP or name.startswith(".")


def list_archive(archive: Path, limits: Limits) -> list[Entry]:
    """The members of a zip as entries; the whole archive is refused (SubmissionError) past the caps."""
    try:
        with zipfile.ZipFile(archive) as zf:
            infos = zf.infolist()
    except Exception as exc:  # noqa: BLE001 - BadZipFile, OSError, UnicodeDecodeError of a name, ...
        raise SubmissionError("invalid", f"{clean(archive.name)} is not a readable zip archive "
                                         f"({exc.__class__.__name__})") from None
    if len(infos) > limits.archive_members:
        raise SubmissionError("invalid", f"{clean(archive.name)} holds {len(infos)} files; the grader opens "
                                         f"archives of at most {limits.archive_members}")
    # what reading it would cost: notebooks and .py files under the notebook cap (the others are never read,
    # and one over the cap is refused alone, so a huge member costs only its own row)
    total = sum(i.file_size for i in infos
                if i.filename.lower().endswith(SUFFIXES) and i.file_size <= limits.notebook_bytes)
    if total > limits.archive_bytes:
        raise SubmissionError("invalid", f"{clean(archive.name)} holds {total / MiB:.0f} MiB of notebooks; the grader "
                                         f"reads at most {limits.archive_bytes / MiB:g} MiB from one archive")
    return [_member_entry(archive, i, info) for i, info in enumerate(infos)]


def _member_entry(archive: Path, index: int, info: zipfile.ZipInfo) -> Entry:
    name = info.filename
    parts = tuple(p for p in name.replace("\\", "/").split("/") if p not in ("", "."))
    where = archive / clean(name)
    if not parts or name.startswith(("/", "\\")) or ".." in parts or ":" in parts[0]:
        return Entry(parts or (name,), UNSAFE, where, index)
    mode = info.external_attr >> 16
    if info.is_dir():
        return Entry(parts, DIR, where, index)
    kind = kind_of(mode) if stat.S_IFMT(mode) else FILE  # no Unix mode recorded: a plain file
    return Entry(parts, kind, where, index, describe(mode))


class ArchiveReader:
    """Reads archive members under the caps, keeping each archive open while a batch is prepared."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self.open: dict[Path, zipfile.ZipFile] = {}

    def __enter__(self) -> ArchiveReader:
        return self

    def __exit__(self, *exc) -> None:
        for zf in self.open.values():
            zf.close()
        self.open.clear()

    def read(self, archive: Path, member: int) -> bytes:
        name = archive.name
        try:
            zf = self.open.get(archive) or self.open.setdefault(archive, zipfile.ZipFile(archive))
            info = zf.infolist()[member]
            name = f"{archive.name}/{info.filename}"
            limit = self.limits.notebook_bytes
            if info.file_size > limit:
                raise too_large(name, info.file_size, limit)
            ratio = info.file_size // max(info.compress_size, 1)
            if info.file_size > _RATIO_FLOOR and ratio > self.limits.archive_ratio:
                raise SubmissionError("invalid", f"{clean(name)} is compressed {ratio}:1 (a zip bomb?); the grader "
                                                 f"reads members compressed at most {self.limits.archive_ratio}:1")
            with zf.open(info) as f:
                data = f.read(limit + 1)
        except SubmissionError:
            raise
        except Exception as exc:  # noqa: BLE001 - bad CRC, unsupported compression, encryption, truncation, ...
            raise SubmissionError("invalid", f"cannot read {clean(name)} from the archive "
                                             f"({exc.__class__.__name__})") from None
        if len(data) > limit:
            raise too_large(name, len(data), limit)
        return data
