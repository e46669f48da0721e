"""Static checks of an assignment, before anything is graded: ``symbols`` and ``points`` markers.

* Every ``symbols`` entry of ``assignment.toml`` must be a name the master solution defines at the top level
  of a cell; a wrong one is a clear :class:`~grader.errors.UsageError` naming the entry (with "did you mean").
* A test without ``@pytest.mark.points(n)`` counts 1 point. That default is explicit: ``validate`` lists every
  such test as a warning (see docs/authoring.md).
"""
from __future__ import annotations

import ast
import difflib
from pathlib import Path

from grader.assignment import Assignment
from grader.errors import UsageError
from grader.intake import extract, notebook


def check_symbols(a: Assignment) -> None:
    if not a.solution.is_file():
        raise UsageError(f"the master solution of {a.name} is missing ({a.solution})")
    cells = notebook.strip_ipython(notebook.read(a.solution).cells)
    defs, _ = extract.definitions(cells)
    defined = sorted({n for d in defs for n in d.binds})
    toml = a.folder / "assignment.toml"
    for symbol in a.symbols:
        if not isinstance(symbol, str) or not symbol.isidentifier():
            raise UsageError(f"{toml}: `symbols` entry {symbol!r} is not a Python name",
                             hint="list the functions and classes students implement, e.g. symbols = [\"build_bpe\"]")
        if symbol not in defined:
            close = difflib.get_close_matches(symbol, defined, n=1)
            raise UsageError(f"{toml}: `symbols` entry {symbol!r} is not defined at the top level of any cell of "
                             f"{a.solution.relative_to(a.root)}",
                             hint=f"did you mean {close[0]!r}?" if close else
                             f"the solution defines: {', '.join(defined) or 'nothing'}")


def _has_points(decorators: list) -> bool:
    return any("points" in ast.unparse(d) for d in decorators)


def unmarked_tests(a: Assignment) -> list[str]:
    """``file::test`` of every test function that has no ``points`` marker (it counts 1 point)."""
    folders = [a.public_tests] + ([a.hidden_tests] if a.hidden_tests.is_dir() else [])
    out = []
    for folder in folders:
        for path in sorted(Path(folder).rglob("test_*.py")):
            tree = ast.parse(path.read_text())
            module_marked = any(isinstance(n, ast.Assign) and any(getattr(t, "id", "") == "pytestmark"
                                                                  for t in n.targets) and "points" in ast.unparse(n)
                                for n in tree.body)
            for node in tree.body:
                classes = [node] if isinstance(node, ast.ClassDef) and node.name.startswith("Test") else []
                funcs = [(node, [])] if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else \
                    [(f, c.decorator_list) for c in classes for f in c.body
                     if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))]
                for func, outer in funcs:
                    if func.name.startswith("test") and not module_marked and not _has_points(
                            func.decorator_list + outer):
                        out.append(f"{path.relative_to(a.root)}::{func.name}")
    return out
