"""Pictures for reports, as inline SVG: no external assets, nothing executable, every label escaped.

* :func:`histogram` — a score distribution (the class dashboard).
* :func:`heatmap` — a matrix of attention weights; masked cells hatched, weight that leaked into a masked
  cell outlined in red (student pages put the expected and the student's side by side).
* :func:`grid` — a boolean mask as a grid of filled (True) and empty (False) squares.
Each returns :class:`markupsafe.Markup`, so Jinja inserts it as markup while everything else stays escaped.
Inputs are plain lists (what a test recorded), never tensors: reports never import torch.
"""
from __future__ import annotations

from markupsafe import Markup, escape

MAX_CELLS = 48  # a matrix larger than this per side is cropped (the picture says so)


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
    w, h = cols * cell + 2, rows * cell + 20
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="heat" width="{w}" height="{h}" role="img" '
             f'aria-label="{escape(title)}"><text x="0" y="12" font-size="11">{escape(title)}'
             f'{" (cropped)" if cropped else ""}</text>',
             '<defs><pattern id="hatch" width="4" height="4" patternUnits="userSpaceOnUse">'
             '<path d="M0,4 l4,-4" stroke="#999" stroke-width="1"/></pattern></defs>']
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            v = _unit(value)
            x, y = 1 + j * cell, 18 + i * cell
            blocked = bool(masked and i < len(masked) and j < len(masked[i]) and masked[i][j])
            fill = "url(#hatch)" if blocked and v == 0 else f"rgb({255 - int(200 * v)},{255 - int(140 * v)},255)"
            stroke = ' stroke="#d00" stroke-width="2"' if blocked and v > 0 else ' stroke="#fff"'
            parts.append(f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="{fill}"{stroke}>'
                         f'<title>[{i}, {j}] = {_label(value)}{" (masked)" if blocked else ""}</title></rect>')
    parts.append("</svg>")
    return Markup("".join(parts))


def grid(mask: list[list], title: str, cell: int = 14) -> Markup:
    """A boolean mask: filled squares are True (may attend / blocked, as the caption says)."""
    mask, cropped = _crop(mask)
    rows, cols = len(mask), max((len(r) for r in mask), default=0)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="grid" width="{cols * cell + 2}" '
             f'height="{rows * cell + 20}" role="img" aria-label="{escape(title)}"><text x="0" y="12" '
             f'font-size="11">{escape(title)}{" (cropped)" if cropped else ""}</text>']
    for i, row in enumerate(mask):
        for j, value in enumerate(row):
            on = bool(value) if not isinstance(value, float) or value == value else False
            parts.append(f'<rect x="{1 + j * cell}" y="{18 + i * cell}" width="{cell - 1}" height="{cell - 1}" '
                         f'fill="{"#1d4ed8" if on else "#f1f3f7"}"><title>[{i}, {j}] = {_label(value)}</title></rect>')
    parts.append("</svg>")
    return Markup("".join(parts))


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
