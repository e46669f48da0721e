"""`grader new` scaffolds an assignment, and the steps it prints work as written: validate, release, check."""
import os
import shutil
import subprocess
import sys

from conftest import ROOT


def _grader(*args, cwd):
    return subprocess.run([sys.executable, "-m", "grader", *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          timeout=600, stdin=subprocess.DEVNULL, env=dict(os.environ, PYTHONPATH=str(ROOT)))


def test_new_then_its_own_steps_validate_release_and_check(tmp_path):
    made = _grader("new", "toy", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    for path in ("assignments/toy/assignment.toml", "assignments/toy/toy.ipynb", "assignments/toy/tests/test_toy_public.py",
                 "reference/toy/solution.ipynb", "reference/toy/tests/test_toy_hidden.py",
                 "reference/toy/mutants/divide_by_max.py", "reference/toy/alternatives/with_div.py"):
        assert (tmp_path / path).is_file(), path
    steps = [line.split("#")[0].strip() for line in made.stderr.splitlines() if line.strip()[:2] in ("4.", "5.", "6.")]
    commands = [step.split(". ", 1)[1].split() for step in steps]
    assert [c[:2] for c in commands] == [["grader", "validate"], ["grader", "release"], ["grader", "check"]]

    validated = _grader(*commands[0][1:], cwd=tmp_path)
    assert validated.returncode == 0, validated.stderr
    for says in ("step 1: assignment.toml", "step 2: points: every test has", "ok  (reference): 7/7 full marks",
                 "ok  (template): 0/7 zero", "ok  alternative with_div", "toy: mutation score 2/2"):
        assert says in validated.stderr, (says, validated.stderr)

    released = _grader(*commands[1][1:], cwd=tmp_path)
    assert released.returncode == 0, released.stderr
    assert "reference_answers.json (2 recorded answer(s))" in released.stderr

    checked = _grader(*commands[2][1:], cwd=tmp_path)
    assert checked.returncode == 1 and "0/2 public tests passed" in checked.stdout, checked.stdout + checked.stderr
    shutil.copy(tmp_path / "reference" / "toy" / "solution.ipynb", tmp_path / "dist" / "toy" / "mine.ipynb")
    shutil.rmtree(tmp_path / "reference")  # the student's side: no solution anywhere, answers replayed
    passed = _grader("check", "dist/toy/mine.ipynb", cwd=tmp_path)
    assert passed.returncode == 0 and "2/2 public tests passed, 3/3 points" in passed.stdout, passed.stdout


def test_validate_names_a_bad_symbols_entry_and_warns_about_unmarked_tests(tmp_path):
    assert _grader("new", "toy", cwd=tmp_path).returncode == 0
    toml = tmp_path / "assignments" / "toy" / "assignment.toml"
    toml.write_text(toml.read_text().replace('symbols = ["normalize"]', 'symbols = ["normalise"]'))
    bad = _grader("validate", "toy", cwd=tmp_path)
    assert bad.returncode == 2 and "`symbols` entry 'normalise' is not defined" in bad.stderr
    assert "did you mean 'normalize'?" in bad.stderr and "Traceback" not in bad.stderr
    toml.write_text(toml.read_text().replace('"normalise"', '"normalize"'))
    public = tmp_path / "assignments" / "toy" / "tests" / "test_toy_public.py"
    public.write_text(public.read_text().replace("@pytest.mark.points(1)\n", "", 1))
    warned = _grader("validate", "toy", cwd=tmp_path)
    assert "test_toy_public.py::test_shape_is_kept has no @pytest.mark.points(n), so it counts 1 point" in warned.stderr


def test_new_refuses_an_existing_assignment(tmp_path):
    assert _grader("new", "toy", cwd=tmp_path).returncode == 0
    again = _grader("new", "toy", cwd=tmp_path)
    assert again.returncode == 2 and "already exists" in again.stderr
