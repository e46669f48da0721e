"""Submission identity: ids that every sink can carry, unique within a run and stable across runs.

A file or folder name is student-controlled: it may hold bytes that are not UTF-8 (a surrogate in Python's
view of it), control characters (ESC, newline), bidi controls. :func:`clean` turns any name into printable
text that encodes as UTF-8, showing what was odd as a visible escape (``caf\\xe9``, ``a\\x1b[2J``).
:func:`assign` makes ids unique without depending on arrival order: the first claimant of a name (in a
fixed order of origins) keeps it, the others get their full file name, else the name and a hash of where
they came from. Nothing here reads a file.
"""
from __future__ import annotations

import hashlib
from pathlib import PurePath

MAX_ID = 100  # characters of a name kept in an id; longer names are cut (uniqueness is restored by assign)


def clean(name: str) -> str:
    """Any name (str from the file system, an archive or argv) as printable, UTF-8-encodable text."""
    try:
        raw = name.encode("utf-8", "surrogateescape")  # undecodable bytes of a file name, as on disk
    except UnicodeEncodeError:
        raw = name.encode("utf-8", "surrogatepass")  # lone surrogates from elsewhere
    text = raw.decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def clean_path(path: PurePath | str) -> str:
    """A path as printable text, component by component (for messages and the record, never for opening)."""
    return clean(str(path))


def natural_id(name: str) -> str:
    """The id a name asks for: the cleaned name, cut to :data:`MAX_ID` characters."""
    text = clean(name).strip() or "submission"
    return text if len(text) <= MAX_ID else text[:MAX_ID] + "…"


def short_hash(text: str, n: int = 8) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:n]


def assign(claims: list[tuple[str, str, str]]) -> list[str]:
    """Unique ids for ``(natural id, full name, origin)`` claims, in the same order.

    ``origin`` is a stable description of where a submission came from (its absolute path, or the archive's
    and the member's). Claims are ranked by origin, so adding or removing a file never renames the first
    claimant of a name; a later claimant gets its full file name (``alice.py``) when that is free, else
    ``name~<hash of origin>`` (as long as needed to be free).
    """
    taken = {natural for natural, _, _ in claims}
    order = sorted(range(len(claims)), key=lambda i: (claims[i][2].encode("utf-8", "surrogatepass"), i))
    ids: list[str | None] = [None] * len(claims)
    first: set[str] = set()
    for i in order:  # the first claimant of each natural id keeps it
        natural = claims[i][0]
        if natural not in first:
            first.add(natural)
            ids[i] = natural
    for i in order:
        if ids[i] is not None:
            continue
        natural, full, origin = claims[i]
        options = [natural_id(full)] + [f"{natural}~{short_hash(origin, n)}" for n in (8, 12, 16, 64)]
        ids[i] = next((o for o in options if o not in taken), f"{natural}~{short_hash(origin, 64)}~{i}")
        taken.add(ids[i])
    return [i for i in ids if i is not None]
