"""Similarity of submissions' graded code: evidence for a human, never a penalty.

Only what is graded is compared: the student's own lines of the extraction (the assignment's symbols and
their closure; the grader's provided helpers and aliases are left out). Fingerprinting is copydetect's
(pygments tokens, names/strings/comments/whitespace normalised, winnowed k-grams); the released template's
code is boilerplate, so its fingerprints never count, and a pair must share at least ``min_overlap``
characters of normalised code beyond it (each matched run's edges discounted: a k-gram straddling the
template and one added line is new, but only the line is the student's). Pure: sources in, ranked :class:`Pair` records out; the HTML
side-by-side view is :func:`write_html` (Jinja, autoescaped, student code cleaned first).
"""
from __future__ import annotations

import functools
import io
import itertools
from dataclasses import dataclass
from pathlib import Path

import jinja2

from grader.results import sanitize

NOISE = 25  # k: matches shorter than this many normalised characters are ignored (copydetect's default)
WINDOW = 1  # winnowing window; 1 keeps every k-gram (copydetect's default guarantee threshold = NOISE)
THRESHOLD = 0.5  # a pair is shown when either side has this share of its own (non-template) code in common
MIN_OVERLAP = 3 * NOISE  # and at least this many normalised characters in common
SIDE_BY_SIDE = 100  # pairs shown side by side in the HTML (the table lists them all)


@dataclass(frozen=True)
class Code:
    """One submission's graded source, as the student wrote it (only lines from its notebook cells)."""

    submission_id: str
    source: str


@dataclass(frozen=True)
class Pair:
    a: str
    b: str
    similarity: float  # max of the two shares below: what the ranking uses
    share_a: float  # fraction of a's non-template code found in b
    share_b: float
    overlap: int  # normalised characters in common, less each matched run's edges (which may be template)
    spans_a: tuple[tuple[int, int], ...]  # (start, end) character spans of a's source that match b
    spans_b: tuple[tuple[int, int], ...]


def student_source(extraction) -> str:
    """The lines of an :class:`~grader.intake.extract.Extraction` that came from the student's cells."""
    lines = extraction.source.split("\n")
    kept = [text for text, (where, _) in zip(lines, extraction.line_map) if where.startswith("cell ")]
    return "\n".join(kept) + "\n" if kept else ""


def _fingerprint(source: str, boilerplate=None, window: int = WINDOW):
    from copydetect import CodeFingerprint  # imported on use: it loads numpy and matplotlib

    return CodeFingerprint("submission.py", NOISE, window, boilerplate=boilerplate, fp=io.StringIO(source),
                           language="python")


def boilerplate_hashes(*sources: str):
    """Every k-gram hash of the template's code (window 1, as copydetect does for boilerplate)."""
    import numpy as np

    hashes: set = set()
    for source in sources:
        if source.strip():
            hashes |= _fingerprint(source, window=1).hashes
    return np.array(sorted(hashes), dtype=np.int64)


def compare(codes: list[Code], boilerplate: tuple[str, ...] = (), threshold: float = THRESHOLD,
            min_overlap: int = MIN_OVERLAP) -> list[Pair]:
    """Pairs at or above ``threshold`` sharing ``min_overlap`` characters beyond the template, most similar first."""
    from copydetect import compare_files

    skip = boilerplate_hashes(*boilerplate)
    prints = [(c, _fingerprint(c.source, skip)) for c in codes if c.source.strip()]
    pairs = []
    for (ca, fa), (cb, fb) in itertools.combinations(prints, 2):
        if not fa.hashes & fb.hashes:
            continue
        overlap, (share_a, share_b), (slices_a, slices_b) = compare_files(fa, fb)
        share_a, share_b = float(share_a), float(share_b)
        # a matched run's first and last k-1 characters may be template code its k-grams straddle
        novel = int(overlap) - 2 * (NOISE - 1) * len(slices_a[0])
        if novel < min_overlap or max(share_a, share_b) < threshold:
            continue
        pairs.append(Pair(ca.submission_id, cb.submission_id, max(share_a, share_b), share_a, share_b,
                          novel, _spans(slices_a), _spans(slices_b)))
    return sorted(pairs, key=lambda p: (-p.similarity, -p.overlap, p.a, p.b))


def _spans(slices) -> tuple[tuple[int, int], ...]:
    if len(slices) == 0 or len(slices[0]) == 0:
        return ()
    return tuple((int(s), int(e)) for s, e in zip(slices[0], slices[1]))


def segments(source: str, spans: tuple[tuple[int, int], ...]) -> list[tuple[str, bool]]:
    """The source cut into (text, matched) runs, for the side-by-side view."""
    out, at = [], 0
    for start, end in sorted(spans):
        start, end = max(start, at), min(end, len(source))
        if start > at:
            out.append((source[at:start], False))
        if end > start:
            out.append((source[start:end], True))
        at = max(at, end)
    if at < len(source):
        out.append((source[at:], False))
    return out


def table(pairs: list[Pair]) -> str:
    """The ranked pairs as a plain-text table; ids cleaned for a terminal."""
    if not pairs:
        return "no pair of submissions is unusually similar"
    rows = [(str(i), f"{p.similarity:.0%}", sanitize.line(p.a)[:40], sanitize.line(p.b)[:40],
             f"{p.share_a:.0%} / {p.share_b:.0%}", str(p.overlap)) for i, p in enumerate(pairs, 1)]
    head = ("#", "similar", "submission A", "submission B", "A in B / B in A", "shared chars")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in [head, *rows])


@functools.lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("grader.results", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["clean"] = sanitize.text
    return env


def write_html(pairs: list[Pair], codes: list[Code], path: Path, assignment: str, threshold: float = THRESHOLD,
               min_overlap: int = MIN_OVERLAP, skipped: list[tuple[str, str]] = ()) -> None:
    """``similarity.html``: the ranked pairs, each side by side with the matching code marked."""
    source = {c.submission_id: c.source for c in codes}
    views = [(p, segments(source[p.a], p.spans_a), segments(source[p.b], p.spans_b)) for p in pairs[:SIDE_BY_SIDE]]
    html = _env().get_template("similarity.html.j2").render(
        assignment=assignment, pairs=pairs, views=views, compared=sum(bool(c.source.strip()) for c in codes),
        threshold=threshold, min_overlap=min_overlap, skipped=list(skipped))
    path.write_text(html)
