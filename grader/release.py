"""Release: the student's notebook from the instructor's master.

``reference/NAME/solution.ipynb`` marks solution regions with ``### BEGIN SOLUTION`` / ``### END SOLUTION``;
each region becomes ``### YOUR CODE HERE`` and a ``raise NotImplementedError`` at the same indentation.
Outputs and execution counts are cleared. The result is deterministic, so a test can keep the committed
template equal to it.
"""
from __future__ import annotations

import re
from pathlib import Path

import nbformat

from grader.errors import GraderError

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"


def strip_solutions(source: str, where: str) -> str:
    out, inside = [], False
    for line in source.split("\n"):
        stripped = line.strip()
        if stripped == BEGIN:
            if inside:
                raise GraderError(f"{where}: nested {BEGIN}")
            inside = True
            indent = re.match(r"\s*", line).group(0)
            out += [f"{indent}### YOUR CODE HERE", f"{indent}raise NotImplementedError(\"not implemented yet\")"]
        elif stripped == END:
            if not inside:
                raise GraderError(f"{where}: {END} without {BEGIN}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise GraderError(f"{where}: {BEGIN} is never closed")
    return "\n".join(out)


def release_notebook(solution: Path) -> nbformat.NotebookNode:
    nb = nbformat.read(solution, as_version=4)
    for number, cell in enumerate(nb.cells, start=1):
        if cell.cell_type == "code":
            cell.source = strip_solutions(cell.source, f"{solution.name}, cell {number}")
            cell.outputs = []
            cell.execution_count = None
        cell.id = f"cell-{number}"  # deterministic ids: the committed template must equal a fresh release
    return nb


def release_text(solution: Path) -> str:
    return nbformat.writes(release_notebook(solution)) + "\n"
