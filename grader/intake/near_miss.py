"""Near misses: a graded name the notebook spells differently, or a definition that is not where the tests look.

A class or function whose name differs from the expected one only in case or underscores
(``MultiHeadAttention`` for ``MultiheadAttention``, ``build_BPE`` for ``build_bpe``) is graded under the
expected name, with a note. For a name that is really missing, :func:`describe` says where the closest
thing is: a similar name ("did you mean"), or a top-level statement that builds what the function should
return ("cell 17 builds a top-level `padding_mask = ...`"), so the student knows what to move into a function.
"""
from __future__ import annotations

import ast
import difflib

from grader.intake.notebook import Cell

_PREFIXES = ("make_", "build_", "get_", "create_", "compute_")


def normal(name: str) -> str:
    return name.replace("_", "").lower()


def same_but_spelling(expected: str, names) -> list[str]:
    """Names equal to ``expected`` but for case and underscores (not ``expected`` itself)."""
    return [n for n in names if n != expected and normal(n) == normal(expected)]


def describe(expected: str, defined: dict[str, int], cells: tuple[Cell, ...]) -> str:
    """Where the near miss of a missing ``expected`` is, or "" when nothing is close.

    ``defined`` maps every top-level name the notebook defines to its cell number."""
    stem = next((expected[len(p):] for p in _PREFIXES if expected.startswith(p)), "")
    if stem:
        found = sorted(_top_level_assignments(cells), key=lambda a: (a[2] != stem, not a[2].endswith(stem)))
        for cell, lineno, target, text in found:
            if target.endswith(stem):  # `mask` first, then `padding_mask`
                return (f"cell {cell} builds a top-level `{_short(text)}` (line {lineno}); the tests call a "
                        f"function `{expected}(...)`: move that code into it and return the result")
    lowered = {name.lower(): name for name in defined}
    close = difflib.get_close_matches(expected.lower(), list(lowered), n=1, cutoff=0.75)
    if close:
        name = lowered[close[0]]
        return f"did you mean `{name}` (cell {defined[name]})? The tests call it `{expected}`"
    return ""


def _top_level_assignments(cells: tuple[Cell, ...]):
    for cell in cells:
        try:
            tree = ast.parse(cell.source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        lines = cell.source.split("\n")
        for stmt in tree.body:
            if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                for target in targets:
                    if isinstance(target, ast.Name):
                        yield cell.number, stmt.lineno, target.id, lines[stmt.lineno - 1].strip()


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"
