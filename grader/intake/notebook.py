"""Reading submissions: ``.ipynb`` (validated with nbformat) and ``.py`` into cells with provenance.

Passes over the cells are small functions ``(cells) -> cells``, like nbconvert's preprocessors:
IPython syntax (``!cmd``, ``%magic``, ``%%cell magic``, ``obj?``) is turned into Python by IPython's own
input transformer (it knows a ``%`` continuing an expression from a magic); a top-level magic becomes
``pass`` and a cell magic whose body is not Python drops the cell, always keeping line numbers so a
traceback can say "cell 7, line 3". A UTF-8 byte-order mark is accepted.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import nbformat

from grader.errors import SubmissionError
from grader.intake import sources
from grader.intake.identity import clean

# Cell magics whose body is still Python; any other cell magic (%%bash, %%writefile, ...) drops the cell.
PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun"}
_SURROGATE = re.compile("[\ud800-\udfff]")
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


def read(path: Path, max_bytes: int = sources.Limits.notebook_bytes) -> Submission:
    """Read a notebook or a Python file (a regular file, never through a link, at most ``max_bytes``);
    raises SubmissionError when it is none of these."""
    if os.path.isdir(path) and not os.path.islink(path):
        raise SubmissionError("invalid", f"no notebook (.ipynb) or .py file was found in the folder "
                                         f"{clean(path.name)}")
    return parse(path, sources.read_file(path, max_bytes))


def parse(path: Path, raw: bytes) -> Submission:
    """Cells from the bytes of a notebook or a Python file (``path`` names it: its suffix says which).
    Total: whatever the bytes, this returns cells of valid text or raises SubmissionError."""
    name = clean(path.name)
    if path.suffix.lower() == ".py":
        try:
            return Submission(path, (Cell(1, raw.decode("utf-8-sig")),), raw)
        except UnicodeDecodeError:
            raise SubmissionError("invalid", f"{name} is not UTF-8 text") from None
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
        cells = tuple(Cell(i, _text(c.source)) for i, c in enumerate(nb.cells, start=1) if c.cell_type == "code")
    except UnicodeDecodeError:
        raise SubmissionError("invalid", f"{name} is not a valid Jupyter notebook (it is not UTF-8 text)") from None
    except (RecursionError, MemoryError) as exc:
        raise SubmissionError("invalid", f"{name} is not a valid Jupyter notebook ({exc.__class__.__name__}: "
                                         f"nested or large beyond what the grader reads)") from None
    except Exception as exc:  # noqa: BLE001 - nbformat and json raise many types for broken files
        first = next(iter(str(exc).splitlines()), "")[:200]
        raise SubmissionError("invalid", f"{name} is not a valid Jupyter notebook{_where(exc)} "
                                         f"({exc.__class__.__name__}: {clean(first)})") from None
    return Submission(path, cells, raw)


def _text(source) -> str:
    """A cell's source as text that encodes: JSON may spell lone surrogates (``"\\ud800"``), which no
    compiler, database or file accepts; they become U+FFFD here, once."""
    if not isinstance(source, str):
        source = "".join(source) if isinstance(source, list) else str(source)
    return _SURROGATE.sub("\ufffd", source)


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
