"""Reading submissions: ``.ipynb`` (validated with nbformat) and ``.py`` into cells with provenance.

Passes over the cells are small functions ``(cells) -> cells``, like nbconvert's preprocessors:
IPython syntax (``!cmd``, ``%magic``, ``%%cell magic``, ``obj?``) is turned into Python by IPython's own
input transformer (it knows a ``%`` continuing an expression from a magic); a top-level magic becomes
``pass`` and a cell magic whose body is not Python drops the cell, always keeping line numbers so a
traceback can say "cell 7, line 3". A UTF-8 byte-order mark is accepted.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import nbformat

from grader.errors import SubmissionError

# Cell magics whose body is still Python; any other cell magic (%%bash, %%writefile, ...) drops the cell.
PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun"}
REMOVED = "pass  # IPython syntax removed by the grader"


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
            return Submission(path, (Cell(1, raw.decode("utf-8-sig")),), raw)
        except UnicodeDecodeError:
            raise SubmissionError("invalid", f"{path.name} is not UTF-8 text") from None
    try:
        text = raw.decode("utf-8-sig")
        json.loads(text)
    except UnicodeDecodeError as exc:
        raise SubmissionError("invalid", f"{path.name} is not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:  # where the file broke, as an editor shows it
        raise SubmissionError("invalid", f"{path.name} is not a valid Jupyter notebook: broken JSON at line "
                                         f"{exc.lineno}, column {exc.colno} ({exc.msg}); open it in a text editor "
                                         "there, or restore it from a checkpoint") from None
    except RecursionError:
        raise SubmissionError("invalid", f"{path.name} is not a valid Jupyter notebook (nested too deeply)") from None
    try:
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
    except Exception as exc:  # noqa: BLE001 - nbformat raises many types for broken files
        where = _where(exc)
        raise SubmissionError("invalid", f"{path.name} is not a valid Jupyter notebook{where} "
                                         f"({exc.__class__.__name__}: {str(exc).splitlines()[0][:200]})") from None
    cells = tuple(Cell(i, c.source) for i, c in enumerate(nb.cells, start=1) if c.cell_type == "code")
    return Submission(path, cells, raw)


def _where(exc: Exception) -> str:
    """", in cell 3" for a schema error inside a cell (jsonschema's path), else ""."""
    path = list(getattr(exc, "absolute_path", None) or getattr(exc, "path", None) or [])
    if len(path) >= 2 and path[0] == "cells" and isinstance(path[1], int):
        return f", in cell {path[1] + 1}"
    return ""


def strip_ipython(cells: tuple[Cell, ...]) -> tuple[Cell, ...]:
    """IPython-only syntax → Python: drop non-Python cell magics, transform the rest with IPython's own
    transformer; a transformed line at the top level (a magic, a shell escape) becomes ``pass``."""
    out = []
    for cell in cells:
        lines = cell.source.split("\n")
        first = lines[0].strip() if lines else ""
        if first.startswith("%%"):
            if first[2:].split(" ")[0] not in PYTHON_CELL_MAGICS:
                continue
            lines[0] = ""
        out.append(replace(cell, source=_transform("\n".join(lines))))
    return tuple(out)


@lru_cache(maxsize=1)
def _transformer():
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager()


def _transform(source: str) -> str:
    if "%" not in source and "!" not in source and "?" not in source:
        return source  # nothing IPython could rewrite: skip the tokenizer
    try:
        new = _transformer().transform_cell(source)
    except Exception:  # noqa: BLE001 - IPython's tokenizer on broken code: leave it to ast to report
        return source
    old_lines, new_lines = source.split("\n"), new.rstrip("\n").split("\n")
    if len(new_lines) != len(old_lines):
        new_lines += [""] * (len(old_lines) - len(new_lines))
        if len(new_lines) != len(old_lines):
            return source
    return "\n".join(_top_level_removed(o, n) for o, n in zip(old_lines, new_lines))


def _top_level_removed(old: str, new: str) -> str:
    """A line IPython rewrote: at the top level it is dropped (never run); inside a block it stays as
    IPython would run it (calling ``get_ipython()``, which a graded function then fails on honestly)."""
    if old == new:
        return old
    indent = old[:len(old) - len(old.lstrip())]
    return indent + REMOVED if not indent else new
