"""The committed templates equal what `grader release` builds from the master solutions, and a master whose
solution would survive the release (markers missing, misspelled, or in another tool's style) is refused."""
import json

import nbformat
import pytest

from grader.errors import GraderError, UsageError
from grader.release import check_no_solution, release_text, strip_solutions

from conftest import ROOT

ASSIGNMENTS = sorted(p.parent.name for p in (ROOT / "assignments").glob("*/assignment.toml"))
MASKS = ROOT / "reference" / "transformer_masks" / "solution.ipynb"
SYMBOLS = ("make_causal_mask", "make_key_padding_mask", "combine_masks")


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_committed_template_equals_release(name):
    committed = (ROOT / "assignments" / name / f"{name}.ipynb").read_text()
    assert committed == release_text(ROOT / "reference" / name / "solution.ipynb"), \
        f"run: python -c 'from grader.release import *' ... (release_text of reference/{name}/solution.ipynb)"
    assert json.loads(committed)["metadata"]["grader"]["assignment"] == name


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_every_master_is_accepted(name):
    from grader import assignment

    a = assignment.load(name)
    check_no_solution(a.solution, a.symbols)


def test_unbalanced_markers_are_errors():
    with pytest.raises(GraderError):
        strip_solutions("### BEGIN SOLUTION\nx = 1", "cell 1")
    assert strip_solutions("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION", "c") == \
        'def f():\n    ### YOUR CODE HERE\n    raise NotImplementedError("not implemented yet")'


@pytest.mark.parametrize("old, new, says", [
    ("### BEGIN SOLUTION", "# BEGIN SOLUTION", "another tool's style"),        # Otter
    ("### BEGIN SOLUTION", "## BEGIN SOLUTION", "another tool's style"),       # an nbgrader variant
    ("### END SOLUTION", "### END SOLUTON", "a misspelling"),
    ("### BEGIN SOLUTION", "### Begin Solution", "another tool's style"),
    ("    ### BEGIN SOLUTION\n", "    # YOUR CODE HERE\n", "template comment"),
])
def test_foreign_or_misspelled_markers_are_refused_naming_the_cell(tmp_path, old, new, says):
    bad = tmp_path / "solution.ipynb"
    bad.write_text(MASKS.read_text().replace(json.dumps(old)[1:-1], json.dumps(new)[1:-1], 1))
    with pytest.raises(UsageError) as info:
        check_no_solution(bad, SYMBOLS)
    assert "cell 3, line" in info.value.message and says in info.value.message


def test_a_solution_without_markers_is_refused(tmp_path):
    nb = nbformat.read(MASKS, as_version=4)
    for cell in nb.cells:
        cell.source = "\n".join(line for line in cell.source.split("\n") if "SOLUTION" not in line)
    bad = tmp_path / "solution.ipynb"
    nbformat.write(nb, bad)
    with pytest.raises(UsageError) as info:
        check_no_solution(bad, SYMBOLS)
    assert "cell 3" in info.value.message and "would be released unchanged" in info.value.message
