"""Pictures for reports, as inline SVG: no external assets, nothing executable, every label escaped.

* :func:`histogram` — a score distribution (the class dashboard).
* :func:`heatmap` — a matrix of attention weights; masked cells hatched, weight that leaked into a masked
  cell outlined in red (student pages put the expected and the student's side by side).
* :func:`grid` — a boolean mask as a grid of filled (True) and empty (False) squares.
* :func:`vocab_diff` — a vocabulary against the expected one: extra, misplaced and missing tokens marked.
* :func:`clean` caps what a test attached to a failure (``grader.testing.feedback(..., pictures=...)``);
  :func:`render` draws one cleaned picture.
Each returns :class:`markupsafe.Markup`, so Jinja inserts it as markup while everything else stays escaped.
Inputs are plain lists (what a test recorded), never tensors: reports never import torch.
"""
from __future__ import annotations

from markupsafe import Markup, escape

from grader.results import sanitize

MAX_CELLS = 48  # a matrix larger than this per side is cropped (the picture says so)
MAX_TIPS = 256  # cells: a larger matrix has no tooltip per cell


def histogram(scores: list[float], max_score: float, bins: int = 10, width: int = 360, height: int = 120) -> Markup:
    """Bars of how many submissions scored in each tenth of the maximum; labelled axes."""
    counts = [0] * bins
    for s in scores:
        i = bins - 1 if max_score <= 0 else min(bins - 1, int(bins * max(0.0, s) / max_score))
        counts[i] += 1
    top = max(counts) or 1
    bar_w = (width - 30) / bins
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="hist" width="{width}" height="{height + 30}" '
             f'role="img" aria-label="score distribution">']
    for i, n in enumerate(counts):
        h = (height - 10) * n / top
        x, y = 30 + i * bar_w, height - h
        lo, hi = max_score * i / bins, max_score * (i + 1) / bins
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w - 2:.1f}" height="{h:.1f}" fill="#2f855a">'
                     f'<title>{n} submission(s) scored {lo:g}–{hi:g}</title></rect>')
        if n:
            parts.append(f'<text x="{x + bar_w / 2 - 1:.1f}" y="{y - 2:.1f}" font-size="10" text-anchor="middle">'
                         f'{n}</text>')
    parts.append(f'<line x1="30" y1="{height}" x2="{width}" y2="{height}" stroke="#888"/>')
    parts.append(f'<text x="30" y="{height + 14}" font-size="10">0</text>')
    parts.append(f'<text x="{width}" y="{height + 14}" font-size="10" text-anchor="end">{max_score:g}</text>')
    parts.append(f'<text x="{(width + 30) / 2:.0f}" y="{height + 27}" font-size="10" text-anchor="middle">'
                 'score</text></svg>')
    return Markup("".join(parts))


def _crop(matrix: list[list]) -> tuple[list[list], bool]:
    cropped = len(matrix) > MAX_CELLS or any(len(row) > MAX_CELLS for row in matrix)
    return [list(row[:MAX_CELLS]) for row in matrix[:MAX_CELLS]], cropped


def heatmap(matrix: list[list[float]], title: str, masked: list[list[bool]] | None = None,
            cell: int = 16) -> Markup:
    """Weights in [0, 1] as shades of blue; ``masked`` cells hatched, leaked weight (> 0 where masked) in red."""
    matrix, cropped = _crop(matrix)
    masked = _crop(masked)[0] if masked else None
    rows, cols = len(matrix), max((len(r) for r in matrix), default=0)
    w, h = max(cols * cell + 2, _title_width(title, cropped)), rows * cell + 20
    tips = rows * cols <= MAX_TIPS  # a tooltip per cell only on small matrices (a page stays small)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="heat" width="{w}" height="{h}" role="img" '
             f'aria-label="{escape(title)}"><text x="0" y="12" font-size="11">{escape(title)}'
             f'{" (cropped)" if cropped else ""}</text>',
             '<defs><pattern id="hatch" width="4" height="4" patternUnits="userSpaceOnUse">'
             '<path d="M0,4 l4,-4" stroke="#999" stroke-width="1"/></pattern></defs><g stroke="#fff">']
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            v = _unit(value)
            x, y = 1 + j * cell, 18 + i * cell
            blocked = bool(masked and i < len(masked) and j < len(masked[i]) and masked[i][j])
            fill = "url(#hatch)" if blocked and v == 0 else f"#{255 - int(200 * v):02x}{255 - int(140 * v):02x}ff"
            stroke = ' stroke="#d00" stroke-width="2"' if blocked and v > 0 else ""
            tip = f'<title>[{i}, {j}] = {_label(value)}{" (masked)" if blocked else ""}</title>' if tips else ""
            parts.append(f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="{fill}"{stroke}>{tip}</rect>'
                         if tip else f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="{fill}"{stroke}/>')
    parts.append("</g></svg>")
    return Markup("".join(parts))


def grid(mask: list[list], title: str, cell: int = 14) -> Markup:
    """A boolean mask: filled squares are True (may attend / blocked, as the caption says)."""
    mask, cropped = _crop(mask)
    rows, cols = len(mask), max((len(r) for r in mask), default=0)
    width = max(cols * cell + 2, _title_width(title, cropped))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="grid" width="{width}" '
             f'height="{rows * cell + 20}" role="img" aria-label="{escape(title)}"><text x="0" y="12" '
             f'font-size="11">{escape(title)}{" (cropped)" if cropped else ""}</text>']
    for i, row in enumerate(mask):
        for j, value in enumerate(row):
            on = bool(value) if not isinstance(value, float) or value == value else False
            tip = f"<title>[{i}, {j}] = {_label(value)}</title>" if rows * cols <= MAX_TIPS else ""
            parts.append(f'<rect x="{1 + j * cell}" y="{18 + i * cell}" width="{cell - 1}" height="{cell - 1}" '
                         f'fill="{"#1d4ed8" if on else "#f1f3f7"}">{tip}</rect>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _title_width(title: str, cropped: bool) -> int:
    return int(6.2 * (len(str(title)) + (10 if cropped else 0))) + 4


def _unit(value) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return 0.0
    return 0.0 if v != v else min(1.0, max(0.0, v))


def _label(value) -> str:
    if isinstance(value, bool):
        return str(value)
    try:
        return f"{float(value):.3g}"
    except (TypeError, ValueError):
        return escape(str(value)[:20])


def vocab_diff(expected: list[str], got: list[str], title: str = "Vocabulary") -> Markup:
    """The student's vocabulary token by token: right (grey), *extra* (not expected, red), *misplaced* (expected,
    but out of order among the tokens both have, amber); then the *missing* ones (expected, absent, blue).
    HTML spans, every token escaped and shown with visible spaces; nothing executable."""
    want, have = set(expected), set(got)
    common_got = [t for t in dict.fromkeys(got) if t in want]
    common_want = [t for t in dict.fromkeys(expected) if t in have]
    in_order = _lcs(common_want, common_got)
    counts = {"extra": 0, "misplaced": 0, "missing": 0}
    spans = []
    for t in got:
        kind = "extra" if t not in want else ("ok" if t in in_order else "misplaced")
        counts[kind] = counts.get(kind, 0) + 1
        spans.append(_token(t, kind))
    missing = [t for t in dict.fromkeys(expected) if t not in have]
    counts["missing"] = len(missing)
    summary = ", ".join(f"{n} {k}" for k, n in counts.items() if k != "ok") or "no differences"
    return Markup(f'<div class="vocab" role="group" aria-label="{escape(title)}"><p class="vtitle">{escape(title)} '
                  f'<span class="muted">({escape(summary)})</span></p><p>Yours: {"".join(spans) or "(empty)"}</p>'
                  + (f'<p>Missing: {"".join(_token(t, "missing") for t in missing)}</p>' if missing else "")
                  + '<p class="muted legend"><span class="tok extra">extra</span> not expected · '
                    '<span class="tok misplaced">misplaced</span> expected elsewhere in the order · '
                    '<span class="tok missing">missing</span> expected, not in yours</p></div>')


def _token(token: str, kind: str) -> str:
    shown = "".join(c if c.isprintable() and c != " " else ("␣" if c == " " else f"\\x{ord(c):02x}")
                    for c in str(token)[:MAX_TOKEN])
    return f'<span class="tok {kind}" title="{kind}">{escape(shown)}</span>'


def _lcs(a: list[str], b: list[str]) -> set[str]:
    """The tokens of a longest common subsequence of ``a`` and ``b`` (lists of distinct tokens)."""
    n, m = len(a), len(b)
    table = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            table[i][j] = table[i + 1][j + 1] + 1 if a[i] == b[j] else max(table[i + 1][j], table[i][j + 1])
    out, i, j = set(), 0, 0
    while i < n and j < m:
        if a[i] == b[j]:
            out.add(a[i])
            i, j = i + 1, j + 1
        elif table[i + 1][j] >= table[i][j + 1]:
            i += 1
        else:
            j += 1
    return out


MAX_PICTURES, MAX_TOKENS, MAX_TOKEN = 4, 400, 40
KINDS = ("heatmap", "grid", "vocab")


def clean(pictures) -> tuple[dict, ...]:
    """What a test attached, as plain data within the caps: at most 4 pictures of a known kind, matrices cropped
    to 48 x 48 of numbers or bools, at most 400 tokens of at most 40 characters, titles of at most 120; anything
    else is dropped (a picture is an aid, never a reason for a grader failure)."""
    out = []
    for p in pictures if isinstance(pictures, (list, tuple)) else ():
        if len(out) == MAX_PICTURES:
            break
        if not isinstance(p, dict) or p.get("kind") not in KINDS:
            continue
        picture = {"kind": p["kind"], "title": sanitize.text(str(p.get("title", ""))[:120])}
        try:
            if p["kind"] == "vocab":
                for side in ("expected", "got"):
                    picture[side] = [str(t)[:MAX_TOKEN] for t in list(p.get(side) or ())[:MAX_TOKENS]]
            else:
                picture["matrix"], cropped = _matrix(p["matrix"], float if p["kind"] == "heatmap" else bool)
                if p.get("masked") is not None:
                    picture["masked"] = _matrix(p["masked"], bool)[0]
                if cropped:
                    picture["title"] += f" (first {MAX_CELLS} × {MAX_CELLS})"
        except (KeyError, TypeError, ValueError, OverflowError):
            continue
        out.append(picture)
    return tuple(out)


def _matrix(rows, kind) -> tuple[list[list], bool]:
    if not isinstance(rows, (list, tuple)) or not all(isinstance(r, (list, tuple)) for r in rows[:MAX_CELLS]):
        raise TypeError("not a matrix")
    cropped = len(rows) > MAX_CELLS or any(len(r) > MAX_CELLS for r in rows[:MAX_CELLS])
    return [[kind(v) for v in r[:MAX_CELLS]] for r in rows[:MAX_CELLS]], cropped


def render(picture: dict) -> Markup:
    """One cleaned picture (:func:`clean`) as markup."""
    if picture["kind"] == "heatmap":
        return heatmap(picture["matrix"], picture["title"], picture.get("masked"))
    if picture["kind"] == "grid":
        return grid(picture["matrix"], picture["title"])
    return vocab_diff(picture["expected"], picture["got"], picture["title"])
