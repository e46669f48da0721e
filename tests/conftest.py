"""Shared helpers for the grader's own tests, and the tiers.

Tiers are folders, and each folder's tests get its marker: ``unit`` (in-process, no root, seconds),
``sandbox`` (cells forked for real), ``cli`` (the CLI like a user, in a subprocess: slow),
``adversarial`` (attacks on the trust boundary: root). ``make test-fast`` runs the unit tier.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TIERS = ("unit", "sandbox", "cli", "adversarial")


def pytest_configure(config):
    # This process grades in-process contexts and starts CLI graders beside them: pinned to one core while a
    # context is open, it would start them on that one core. The CLI graders it starts pin as users' do;
    # tests/cli/test_placement.py turns pinning on here for itself.
    from grader.harness import placement

    placement.ENABLED = False


def pytest_collection_modifyitems(config, items):
    for item in items:
        tier = next((t for t in TIERS if Path(item.fspath).is_relative_to(ROOT / "tests" / t)), None)
        if tier:
            item.add_marker(getattr(pytest.mark, tier))


def run_cli(*args, timeout: float = 600, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def bpe_cohort(tmp_path_factory):
    """The BPE sample cohort graded once with the real CLI (2 workers)."""
    out = tmp_path_factory.mktemp("bpe-cohort")
    proc = run_cli("grade", ROOT / "submissions" / "bpe", "--assignment", "bpe", "--out", out, "--workers", "2")
    assert proc.returncode == 0, proc.stderr
    return out, proc


def write_notebook(path: Path, *cells: str) -> Path:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, path)
    return path


def toy_assignment(tmp_path: Path, name: str, toml: str, tests: str, subs: dict[str, str]):
    """A small assignment ``name`` under ``tmp_path`` (its ``assignment.toml`` and one test file), and ``subs``
    (name -> source) prepared in order: (assignment, [Prepared])."""
    from grader import assignment
    from grader.intake.prepare import prepare

    folder = tmp_path / "assignments" / name
    (folder / "tests").mkdir(parents=True)
    (folder / "assignment.toml").write_text(toml)
    (folder / "tests" / f"test_{name}.py").write_text(tests)  # named per toy: pytest keeps modules by name
    a = assignment.load(name, tmp_path)
    preps = []
    for sub, source in subs.items():
        (tmp_path / f"{sub}.py").write_text(source)
        preps.append(prepare(tmp_path / f"{sub}.py", a))
    return a, preps


def grade_in_process(preps: list, a, public_only: bool = True) -> list:
    """``preps`` graded as one list by a fresh worker context in this process; the results in order."""
    from grader.harness import runner

    context = runner.Context(runner.RunSpec(a, public_only=public_only))
    out: list = []
    try:
        runner.run_tests(preps, context, out.append)
    finally:
        context.close()
    return out
