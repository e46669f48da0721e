"""The committed templates equal what `grader release` builds from the master solutions."""

import pytest

from grader.cli import main
from grader.errors import GraderError
from grader.release import release_text, strip_solutions

from conftest import ROOT

ASSIGNMENTS = sorted(p.parent.name for p in (ROOT / "assignments").glob("*/assignment.toml"))


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_committed_template_equals_release(name):
    committed = (ROOT / "assignments" / name / f"{name}.ipynb").read_text()
    assert committed == release_text(ROOT / "reference" / name / "solution.ipynb"), \
        f"run: grader release {name} --out assignments/{name}"


def test_release_command_writes_the_template(tmp_path):
    assert main(["release", "bpe", "--out", str(tmp_path)]) == 0
    text = (tmp_path / "bpe.ipynb").read_text()
    assert "### YOUR CODE HERE" in text and "BEGIN SOLUTION" not in text and "Counter(corpus)" not in text


def test_unbalanced_markers_are_errors():
    with pytest.raises(GraderError):
        strip_solutions("### BEGIN SOLUTION\nx = 1", "cell 1")
    assert strip_solutions("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION", "c") == \
        'def f():\n    ### YOUR CODE HERE\n    raise NotImplementedError("not implemented yet")'
