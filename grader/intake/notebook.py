"""Reading submissions: ``.ipynb`` (validated with nbformat) and ``.py`` into cells with provenance.

Passes over the cells are small functions ``(cells) -> cells``, like nbconvert's preprocessors:
IPython syntax (``!cmd``, ``%magic``, ``%%cell magic``, ``obj?``) becomes plain Python or is dropped,
always keeping line numbers so a traceback can say "cell 7, line 3".
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

import nbformat

from grader.errors import SubmissionError

# Cell magics whose body is still Python; any other cell magic (%%bash, %%writefile, ...) drops the cell.
PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun"}
_LINE_MAGIC = re.compile(r"^(\s*)(?:[!%].*|\S.*\s=\s*[!%].*|[\w.]+\?\??)$")


@dataclass(frozen=True)
class Cell:
    number: int  # 1-based position among all cells of the notebook, as a student counts them
    source: str


@dataclass(frozen=True)
class Submission:
    path: Path
    cells: tuple[Cell, ...]
    raw: bytes  # exact bytes read: the content hash is taken over these


def read(path: Path) -> Submission:
    """Read a notebook or a Python file; raises SubmissionError when it is neither."""
    if path.is_dir():
        raise SubmissionError("invalid", f"no notebook (.ipynb) or .py file was found in the folder {path.name}")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise SubmissionError("unreadable", f"cannot read {path.name}: {exc.strerror}") from None
    if path.suffix == ".py":
        try:
            return Submission(path, (Cell(1, raw.decode("utf-8")),), raw)
        except UnicodeDecodeError:
            raise SubmissionError("invalid", f"{path.name} is not UTF-8 text") from None
    try:
        nb = nbformat.reads(raw.decode("utf-8"), as_version=4)
        nbformat.validate(nb)
    except Exception as exc:  # noqa: BLE001 - nbformat raises many types for broken files
        raise SubmissionError("invalid", f"{path.name} is not a valid Jupyter notebook "
                                         f"({exc.__class__.__name__}: {str(exc).splitlines()[0][:200]})") from None
    cells = tuple(Cell(i, c.source) for i, c in enumerate(nb.cells, start=1) if c.cell_type == "code")
    return Submission(path, cells, raw)


def strip_ipython(cells: tuple[Cell, ...]) -> tuple[Cell, ...]:
    """IPython-only syntax → Python: drop non-Python cell magics, blank out line magics and shell escapes."""
    out = []
    for cell in cells:
        lines = cell.source.split("\n")
        first = lines[0].strip() if lines else ""
        if first.startswith("%%"):
            if first[2:].split(" ")[0] not in PYTHON_CELL_MAGICS:
                continue
            lines[0] = ""
        out.append(replace(cell, source="\n".join(_clean_line(line) for line in lines)))
    return tuple(out)


def _clean_line(line: str) -> str:
    match = _LINE_MAGIC.match(line)
    if not match or line.lstrip().startswith("#"):
        return line
    return f"{match.group(1)}pass  # IPython syntax removed by the grader"
