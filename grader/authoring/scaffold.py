"""``grader new NAME``: a complete, valid assignment to start from, and the steps that prove it.

Writes, under the course root (the current folder, or ``--root``)::

    assignments/NAME/assignment.toml        title, symbols, call_timeout
    assignments/NAME/NAME.ipynb             the released template (equal to `release` of the master)
    assignments/NAME/tests/test_NAME_public.py   public tests: points markers, `student`, `reference`
    reference/NAME/solution.ipynb           the master, with ### BEGIN/END SOLUTION
    reference/NAME/tests/test_NAME_hidden.py     hidden tests
    reference/NAME/mutants/*.py             known-wrong solutions the tests must catch
    reference/NAME/alternatives/*.py        other correct solutions that must get full marks

The example implements ``normalize(x)`` (rows of a tensor scaled to sum to 1); ``grader validate NAME``
passes on it as written, and each step printed at the end is a command to run.
"""
from __future__ import annotations

from pathlib import Path

import nbformat

from grader import release
from grader.console import say
from grader.errors import UsageError

TOML = """# {name}: what students implement and how it is graded (see docs/authoring.md).
title = "{name}: normalise the rows of a tensor"
# The functions and classes students write: only these (and what they use) are extracted and graded.
symbols = ["normalize"]
# Seconds per call into student code; a test can set its own with @pytest.mark.timeout(s).
call_timeout = 10
"""

PUBLIC = '''"""Public tests of {name}: they ship to students, with the reference's recorded answers."""
import pytest
import torch

from grader.testing import expect_close, feedback

X = torch.tensor([[1.0, 3.0], [2.0, 2.0], [0.5, 1.5]])


@pytest.mark.points(1)
def test_shape_is_kept(student):
    """normalize keeps the shape of its input."""
    got = student.normalize(X)
    if type(got) is not torch.Tensor or got.shape != X.shape:
        raise feedback("normalize must return a tensor of the same shape as its input.", expected=tuple(X.shape),
                       got=tuple(got.shape) if type(got) is torch.Tensor else got)


@pytest.mark.points(2)
def test_matches_the_reference(student, reference):
    """Rows sum to 1, as in the reference solution."""
    expected = reference.normalize(X)  # recorded at release: students never get the solution
    expect_close(student.normalize(X), expected, "normalize(X)",
                 {{"each row looks divided by its largest value: divide by the row's sum":
                  X / X.max(dim=-1, keepdim=True).values}})
'''

HIDDEN = '''"""Hidden tests of {name}: only the instructor has them; `grader grade` runs them with the public ones."""
import pytest
import torch

from grader.testing import expect_close


@pytest.mark.points(2)
@pytest.mark.parametrize("rows, cols", [(1, 5), (4, 3)])
def test_other_shapes(student, reference, rows, cols):
    """Any 2-d shape, rows summing to 1."""
    x = torch.rand(rows, cols, generator=torch.Generator().manual_seed(rows * 10 + cols)) + 0.1
    expect_close(student.normalize(x), reference.normalize(x), f"normalize of a {{rows}}x{{cols}} tensor")
'''

SOLUTION = """def normalize(x):
    \"\"\"Scale each row of the float tensor x so that it sums to 1.\"\"\"
    ### BEGIN SOLUTION
    return x / x.sum(dim=-1, keepdim=True)
    ### END SOLUTION"""

MUTANTS = {
    "divide_by_max": "import torch\n\n\ndef normalize(x):\n    return x / x.max(dim=-1, keepdim=True).values\n",
    "sum_over_columns": "import torch\n\n\ndef normalize(x):\n    return x / x.sum(dim=0, keepdim=True)\n",
}
ALTERNATIVES = {
    "with_div": "import torch\n\n\ndef normalize(x):\n    return torch.div(x, torch.sum(x, -1).unsqueeze(-1))\n",
}


def _solution_notebook(name: str) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell(f"# {name}\n\nImplement `normalize(x)`: scale each row of `x` so that it "
                                      "sums to 1. Run `grader check` on this notebook to self-check."),
        nbformat.v4.new_code_cell("import torch"),
        nbformat.v4.new_code_cell(SOLUTION),
        nbformat.v4.new_code_cell("normalize(torch.tensor([[1.0, 3.0]]))  # try it (never run by the grader)"),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def create(name: str, root: Path) -> list[Path]:
    """Write the scaffold of ``name`` under ``root``; returns the files written."""
    if not name.isidentifier():
        raise UsageError(f"{name!r} cannot name an assignment", hint="use letters, digits and _ (e.g. attention_2)")
    public, private = root / "assignments" / name, root / "reference" / name
    for folder in (public, private):
        if folder.exists():
            raise UsageError(f"{folder} already exists", hint="choose another name, or remove it first")
    files = {
        public / "assignment.toml": TOML.format(name=name),
        public / "tests" / f"test_{name}_public.py": PUBLIC.format(name=name),
        private / "tests" / f"test_{name}_hidden.py": HIDDEN.format(name=name),
        **{private / "mutants" / f"{m}.py": text for m, text in MUTANTS.items()},
        **{private / "alternatives" / f"{m}.py": text for m, text in ALTERNATIVES.items()},
    }
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    solution = private / "solution.ipynb"
    nbformat.write(_solution_notebook(name), solution)
    template = public / f"{name}.ipynb"
    template.write_text(release.release_text(solution, name))
    return [*files, solution, template]


STEPS = """next steps (each one is a command; `grader validate` explains what it checks):
  1. write the solution in {solution} between ### BEGIN SOLUTION / ### END SOLUTION,
     and list what students implement in {toml} (`symbols`)
  2. write tests: {public} (students get these) and {hidden}; give each @pytest.mark.points(n)
  3. add wrong solutions to {mutants} and other correct ones to {alternatives}
  4. grader validate {name}          # reference full marks, template zero, every mutant caught
  5. grader release {name} --out dist/{name}   # the student bundle: template, public tests, recorded answers, CI
  6. grader check dist/{name}/{name}.ipynb     # what a student sees (the template fails its tests)"""


def new(args) -> int:
    root = (args.root or Path.cwd()).resolve()
    written = create(args.name, root)
    for path in written:
        say(f"wrote {path.relative_to(root)}")
    rel = lambda p: p.relative_to(root)  # noqa: E731
    public, private = root / "assignments" / args.name, root / "reference" / args.name
    say(STEPS.format(name=args.name, solution=rel(private / "solution.ipynb"), toml=rel(public / "assignment.toml"),
                     public=rel(public / "tests"), hidden=rel(private / "tests"), mutants=rel(private / "mutants"),
                     alternatives=rel(private / "alternatives")))
    return 0
