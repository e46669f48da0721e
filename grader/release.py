"""Release: the student's notebook from the instructor's master, and the proof that no solution survives.

``reference/NAME/solution.ipynb`` marks solution regions with ``### BEGIN SOLUTION`` / ``### END SOLUTION``;
each region becomes ``### YOUR CODE HERE`` and a ``raise NotImplementedError`` at the same indentation.
Outputs and execution counts are cleared; the notebook's metadata names the assignment (``grader.assignment``),
so ``grader check`` knows it whatever the student calls the file. The result is deterministic, so a test can
keep the committed template equal to it.

:func:`check_no_solution` refuses a release that would still hold solution code, naming the cell: a line that
looks like a marker but is not ours (Otter's ``# BEGIN SOLUTION``, a misspelling, ``# SOLUTION``), a
``YOUR CODE HERE`` left in the master, or a graded function or class whose every body survives unchanged.
"""
from __future__ import annotations

import ast
import difflib
import re
from pathlib import Path

import nbformat

from grader.errors import UsageError

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
_HINT = f"mark solution code with exactly `{BEGIN}` and `{END}` on lines of their own"
_MARKER = re.compile(r"(BEGIN|END)[\s_-]*(SOLUTION|SOLN|SOL|ANSWER|HIDDEN)", re.IGNORECASE)
_LOOKS_LIKE = re.compile(r"^#+\s*(BEGIN|END)[\s_-]*(SOLUTION|SOLN|SOL|ANSWER|HIDDEN)\b|^#+\s*SOLUTION\b|"
                         r"#\s*SOLUTION\s*$|YOUR\s+CODE\s+HERE", re.IGNORECASE)


def strip_solutions(source: str, where: str) -> str:
    out, inside = [], False
    for line in source.split("\n"):
        stripped = line.strip()
        if stripped == BEGIN:
            if inside:
                raise UsageError(f"{where}: nested {BEGIN}", hint=_HINT)
            inside = True
            indent = re.match(r"\s*", line).group(0)
            out += [f"{indent}### YOUR CODE HERE", f"{indent}raise NotImplementedError(\"not implemented yet\")"]
        elif stripped == END:
            if not inside:
                raise UsageError(f"{where}: {END} without {BEGIN}", hint=_HINT)
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise UsageError(f"{where}: {BEGIN} is never closed", hint=_HINT)
    return "\n".join(out)


def release_notebook(solution: Path, assignment: str | None = None) -> nbformat.NotebookNode:
    nb = nbformat.read(solution, as_version=4)
    for number, cell in enumerate(nb.cells, start=1):
        if cell.cell_type == "code":
            cell.source = strip_solutions(cell.source, f"{solution.name}, cell {number}")
            cell.outputs = []
            cell.execution_count = None
        cell.id = f"cell-{number}"  # deterministic ids: the committed template must equal a fresh release
    nb.metadata["grader"] = {"assignment": assignment or solution.parent.name}
    return nb


def release_text(solution: Path, assignment: str | None = None) -> str:
    return nbformat.writes(release_notebook(solution, assignment)) + "\n"


# ---------------------------------------------------------------- refusing to ship a solution

def _marker_problem(line: str, inside: bool) -> str | None:
    stripped = line.strip()
    if stripped in (BEGIN, END):
        return None
    if _LOOKS_LIKE.search(stripped) and (not inside or _MARKER.search(stripped)):
        return "another tool's style (Otter or nbgrader)" if "YOUR CODE" not in stripped.upper() else \
            "a template comment in the master (the code after it is not marked)"
    if stripped.startswith("#") and (_MARKER.search(stripped) or max(difflib.SequenceMatcher(None, stripped.upper(), m).ratio()
                                        for m in (BEGIN, END)) > 0.8):
        return "a misspelling"
    return None


def check_markers(solution: Path) -> None:
    """Refuse a master whose markers are missing, misspelled or in another tool's style, naming the cell."""
    nb = nbformat.read(solution, as_version=4)
    for number, cell in enumerate(nb.cells, start=1):
        if cell.cell_type != "code":
            continue
        inside = False
        for lineno, line in enumerate(cell.source.split("\n"), start=1):
            problem = _marker_problem(line, inside)
            inside = (inside or line.strip() == BEGIN) and line.strip() != END
            if problem:
                raise UsageError(f"{solution.name}, cell {number}, line {lineno}: `{line.strip()}` looks like a "
                                 f"solution marker but is {problem}; the code it marks would reach the students",
                                 hint=_HINT)


def _bodies(source: str, symbols: set[str]) -> dict[str, str]:
    """``symbol`` or ``Class.method`` -> its body (docstring left out), for the graded symbols of one cell."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    out = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in symbols:
            out[node.name] = _dump(node.body)
        elif isinstance(node, ast.ClassDef) and node.name in symbols:
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    out[f"{node.name}.{item.name}"] = _dump(item.body)
    return out


def _dump(body: list) -> str:
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant):
        body = body[1:]  # the docstring stays for students
    return "\n".join(ast.dump(stmt) for stmt in body)


def check_no_solution(solution: Path, symbols: tuple[str, ...]) -> None:
    """Refuse a release in which a graded function (or every method of a graded class) keeps its solution body."""
    check_markers(solution)
    master = nbformat.read(solution, as_version=4)
    released = release_notebook(solution)
    names = set(symbols)
    for number, (before, after) in enumerate(zip(master.cells, released.cells), start=1):
        if before.cell_type != "code":
            continue
        old, new = _bodies(before.source, names), _bodies(after.source, names)
        for symbol in sorted({q.split(".")[0] for q in old}):
            mine = [q for q in old if q.split(".")[0] == symbol and old[q]]
            if mine and all(new.get(q) == old[q] for q in mine):
                raise UsageError(f"{solution.name}, cell {number}: the solution of `{symbol}` would be released "
                                 "unchanged (no solution region in it)",
                                 hint=f"wrap its solution code in `{BEGIN}` / `{END}` lines")
