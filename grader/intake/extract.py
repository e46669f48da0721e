"""Extraction: the assignment's symbols and everything they need, nothing else.

Every cell is parsed; top-level imports, defs, classes, assignments (and ``if``/``try`` blocks made only
of those) are *definitions* of the names they bind. Starting from the requested symbols, the closure
follows the global names each definition reads (scoped with :mod:`symtable`, so a local variable never
drags in a top-level statement). The kept statements are emitted in notebook order, so the last
definition wins as in a top-to-bottom run; everything else (prints, loops, training) is never run.
Each emitted line remembers its cell and line, so tracebacks point into the notebook.
Extraction is hygiene, not a boundary: the result is only ever executed inside the cell.
"""
from __future__ import annotations

import ast
import symtable
from dataclasses import dataclass

from grader.errors import SubmissionError
from grader.intake import near_miss
from grader.intake.notebook import Cell

_DEFINITION = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
               ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Pass)


@dataclass(frozen=True)
class Definition:
    cell: int
    first_line: int  # 1-based, in the cell
    source: str
    binds: frozenset[str]
    reads: frozenset[str]


@dataclass(frozen=True)
class Extraction:
    source: str
    line_map: tuple[tuple[str, int], ...]  # per emitted line: ("cell 7", 3) or ("provided", 12)
    symbols: tuple[str, ...]
    warnings: tuple[str, ...]
    missing: tuple[tuple[str, str], ...] = ()  # (graded symbol the notebook lacks, where its near miss is)

    def why_missing(self, name: str) -> str | None:
        """For a graded symbol that is missing: where its near miss is ("" if none); None if not missing."""
        return next((note for symbol, note in self.missing if symbol == name), None)

    def locate(self, line: int) -> str:
        """'cell 7, line 3' for a line of the emitted source."""
        if 1 <= line <= len(self.line_map):
            where, n = self.line_map[line - 1]
            return f"{where}, line {n}"
        return f"line {line}"


def definitions(cells: tuple[Cell, ...]) -> tuple[list[Definition], list[str]]:
    """All top-level definitions in notebook order, plus warnings for cells that do not parse."""
    found, warnings = [], []
    for cell in cells:
        try:
            tree = ast.parse(cell.source)
        except SyntaxError as exc:
            warnings.append(f"cell {cell.number} has a syntax error (line {exc.lineno}: {exc.msg}); it was skipped")
            continue
        except (ValueError, RecursionError, MemoryError) as exc:  # null bytes, absurdly deep or huge code
            warnings.append(f"cell {cell.number} cannot be parsed ({type(exc).__name__}); it was skipped")
            continue
        lines = cell.source.split("\n")
        for stmt in tree.body:
            binds = _binds(stmt)
            if binds is None:
                continue
            first = min([stmt.lineno] + [d.lineno for d in getattr(stmt, "decorator_list", [])])
            text = "\n".join(lines[first - 1:stmt.end_lineno])
            found.append(Definition(cell.number, first, text, frozenset(binds), _reads(text)))
    return found, warnings


def extract(cells: tuple[Cell, ...], symbols: tuple[str, ...], provided: str = "",
            provided_names: frozenset[str] = frozenset()) -> Extraction:
    """The closure of ``symbols`` as runnable source; ``provided`` (trusted helpers) comes first and
    its names are never taken from the student."""
    defs, warnings = definitions(cells)
    defs = [d for d in defs if not d.binds <= provided_names or not d.binds]
    by_name: dict[str, list[int]] = {}
    for i, d in enumerate(defs):
        for name in d.binds:
            by_name.setdefault(name, []).append(i)
    aliases, missing = [], []
    for symbol in symbols:
        if symbol in by_name:
            continue
        spelled = near_miss.same_but_spelling(symbol, by_name)
        if spelled:  # graded under the expected name, with a note
            aliases.append((symbol, spelled[-1]))
            warnings.append(f"`{spelled[-1]}` (cell {defs[by_name[spelled[-1]][-1]].cell}) is graded as `{symbol}`: "
                            "the names differ only in case or underscores")
        else:
            where = near_miss.describe(symbol, {n: defs[ix[-1]].cell for n, ix in by_name.items()}, cells)
            missing.append((symbol, where))
    if len(missing) == len(symbols):
        notes = "; ".join(f"`{m}`: {w}" for m, w in missing if w) or "; ".join(warnings)
        names = ", ".join(f"`{m}`" for m, _ in missing)
        raise SubmissionError("missing_symbol", f"{names} {'is' if len(missing) == 1 else 'are'} not defined in any "
                                                f"cell of the notebook{f' ({notes})' if notes else ''}")
    for symbol, where in missing:
        warnings.append(f"`{symbol}` is not defined: the tests that use it fail{f'; {where}' if where else ''}")
    keep: set[int] = {i for i, d in enumerate(defs) if any(n == "*" for n in d.binds)}
    todo = [name for name in symbols if name in by_name] + [spelled for _, spelled in aliases]
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen or name in provided_names:
            continue
        seen.add(name)
        for i in by_name.get(name, []):
            keep.add(i)
            todo.extend(defs[i].reads - seen)
    lines: list[str] = []
    line_map: list[tuple[str, int]] = []
    for n, text in enumerate(provided.split("\n") if provided else [], start=1):
        lines.append(text)
        line_map.append(("provided helper", n))
    for i in sorted(keep):
        d = defs[i]
        for offset, text in enumerate(d.source.split("\n")):
            lines.append(text)
            line_map.append((f"cell {d.cell}", d.first_line + offset))
    for symbol, spelled in aliases:
        lines.append(f"{symbol} = {spelled}")
        line_map.append(("grader alias", 1))
    return Extraction("\n".join(lines) + "\n", tuple(line_map), tuple(symbols), tuple(warnings), tuple(missing))


def _binds(stmt: ast.stmt) -> set[str] | None:
    """Names a top-level statement defines, or None when it is not a definition."""
    if isinstance(stmt, (ast.If, ast.Try)):
        inner = [s for block in (stmt.body, getattr(stmt, "orelse", []), getattr(stmt, "finalbody", []))
                 for s in block]
        inner += [s for h in getattr(stmt, "handlers", []) for s in h.body]
        parts = [_binds(s) for s in inner]
        return None if any(p is None for p in parts) else set().union(*parts)
    if not isinstance(stmt, _DEFINITION):
        return None
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name.split(".")[0]) for a in stmt.names}
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {stmt.name}
    if isinstance(stmt, ast.Pass):
        return set()
    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
    names = set()
    for target in targets:
        for node in ast.walk(target):
            if isinstance(node, ast.Name):
                names.add(node.id)
            elif not isinstance(node, (ast.Tuple, ast.List, ast.Starred, ast.Store)):
                return None  # obj.attr = ..., d[k] = ...: a side effect, not a definition
    return names


def _reads(text: str) -> frozenset[str]:
    """Global names a top-level statement reads, at definition time or when its functions run."""
    try:
        table = symtable.symtable(text, "<cell>", "exec")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return frozenset()
    names: set[str] = set()
    stack = [table]
    while stack:
        t = stack.pop()
        for sym in t.get_symbols():
            top = t.get_type() == "module"
            if (top and sym.is_referenced()) or (not top and sym.is_global() and (sym.is_referenced() or
                                                                                  sym.is_assigned())):
                names.add(sym.get_name())
        stack.extend(t.get_children())
    return frozenset(names)
