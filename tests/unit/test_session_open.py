"""Opening the worker's pytest session: what ``pytest.main`` reported as a grader error stays one (no traceback,
no silent grade)."""
import pytest

from grader import assignment
from grader.errors import GraderError
from grader.harness import runner
from grader.intake.prepare import prepare


def _toy(tmp_path, tests: dict[str, str] | None):
    folder = tmp_path / "assignments" / "toy"
    folder.mkdir(parents=True)
    (folder / "assignment.toml").write_text('symbols = ["f"]\npreload = []\n')
    if tests is not None:
        (folder / "tests").mkdir()
        for name, text in tests.items():
            (folder / "tests" / name).write_text(text)
    sub = tmp_path / "sub.py"
    sub.write_text("def f():\n    return 1\n")
    a = assignment.load("toy", tmp_path)
    return a, prepare(sub, a)


@pytest.mark.parametrize("tests, match", [
    (None, "could not start on the tests of toy: file or directory not found"),  # no tests/ folder
    ({}, "NO_TESTS_COLLECTED"),  # an empty one: never a grader_error per submission, committed as a grade
    ({"test_nothing.py": "def helper():\n    pass\n"}, "NO_TESTS_COLLECTED"),
])
def test_a_suite_pytest_cannot_run_is_a_grader_error_before_any_cell(tmp_path, tests, match):
    a, prep = _toy(tmp_path, tests)
    context = runner.Context(runner.RunSpec(a, public_only=True))
    out = []
    try:
        with pytest.raises(GraderError, match=match):
            runner.run_tests([prep], context, out.append)
    finally:
        context.close()
    assert out == [] and not context.zygotes.zygotes  # no result recorded, no cell started
