"""The student bundle as a student gets it: a copy of the project without reference/, pip-installed, run as a
real unprivileged user. The template fails its public tests cleanly, the reference solution passes them (its
answers replayed from reference_answers.json), and no line of the solution reaches the bundle."""
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest

from conftest import ROOT

SOLUTION = ROOT / "reference" / "mha" / "solution.ipynb"


def _as_nobody(*cmd, cwd, env=None, timeout=300):
    return subprocess.run(["runuser", "-u", "nobody", "--", "env", *(f"{k}={v}" for k, v in (env or {}).items()),
                           *map(str, cmd)], cwd=cwd, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def _student_python(base: Path) -> Path:
    """An interpreter the unprivileged user can run, with the grader installed from a copy without reference/."""
    project = base / "project"
    shutil.copytree(ROOT, project, ignore=shutil.ignore_patterns(
        "reference", "submissions", ".git", ".venv", "build", "*.egg-info", "reports", "__pycache__", "tests", "bench"))
    venv = base / "venv"
    candidates = [Path(sys.executable), Path(f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}")]
    for python in candidates:
        if python.exists() and _as_nobody(python, "-c", "pass", cwd=base).returncode == 0:
            break
    else:
        pytest.skip("no Python interpreter of this version that an unprivileged user may run")
    subprocess.run([str(python), "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next(venv.glob("lib/python3*/site-packages"))
    deps = [p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir()]
    (site / "dependencies.pth").write_text("\n".join(deps) + "\n")  # torch, nbformat, ... (read-only, shared)
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                    "--no-index", "--target", str(site), str(project)], check=True, capture_output=True)
    for path in [base, *base.rglob("*")]:
        path.chmod(path.stat().st_mode | 0o555 if path.is_dir() else path.stat().st_mode | 0o444)
    probe = _as_nobody(venv / "bin" / "python", "-c", "import torch, nbformat, grader", cwd=base)
    if probe.returncode != 0:
        pytest.skip(f"the unprivileged user cannot import the dependencies: {probe.stderr[-300:]}")
    return venv / "bin" / "python"


@pytest.fixture(scope="module")
def student_env():
    if os.geteuid() != 0 or not shutil.which("runuser"):
        pytest.skip("needs root and runuser to run as a real unprivileged user")
    base = Path(tempfile.mkdtemp(prefix="grader-student-", dir="/tmp"))
    try:
        python = _student_python(base)
        bundle = base / "mha-bundle"
        proc = subprocess.run([sys.executable, "-m", "grader", "release", "mha", "--out", str(bundle)], cwd=ROOT,
                              capture_output=True, text=True, timeout=600, env=dict(os.environ, PYTHONPATH=str(ROOT)))
        assert proc.returncode == 0, proc.stderr
        shutil.copy(SOLUTION, bundle / "my_homework.ipynb")  # the reference solution, handed in as a student's
        os.chmod(bundle, 0o777)
        yield python, bundle
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _check(student_env, *args):
    python, bundle = student_env
    return _as_nobody(python, "-m", "grader", "check", *args, cwd=bundle,
                      env={"HOME": str(bundle), "GRADER_UNPRIVILEGED": "1", "PATH": "/usr/bin:/bin"})


def test_the_bundle_holds_what_students_receive_and_no_solution(student_env):
    _, bundle = student_env
    files = sorted(p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file())
    assert files == [".github/workflows/grader.yml", ".gitignore", "README.md", "assignment.toml", "mha.ipynb",
                     "my_homework.ipynb", "reference_answers.json", "tests/test_mha_public.py"]
    nb = nbformat.read(bundle / "mha.ipynb", as_version=4)
    assert nb.metadata["grader"]["assignment"] == "mha" and nb.metadata["grader"]["bundle_version"]
    master = nbformat.read(SOLUTION, as_version=4)
    solution_lines, inside = set(), False
    for cell in master.cells:
        for line in cell.source.split("\n"):
            if line.strip() in ("### BEGIN SOLUTION", "### END SOLUTION"):
                inside = line.strip() == "### BEGIN SOLUTION"
            elif inside and len(line.strip()) >= 8:
                solution_lines.add(line.strip())
    assert len(solution_lines) >= 8
    for path in bundle.rglob("*"):
        if path.is_file() and path.name != "my_homework.ipynb":
            text = path.read_text()
            assert not [line for line in solution_lines if line in text], path


def test_the_template_fails_its_public_tests_cleanly(student_env):
    proc = _check(student_env, "mha.ipynb")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "0/3 public tests passed" in proc.stdout and "NotImplementedError" in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr and "could not run this test" not in proc.stdout
    assert "sandbox: partial" in proc.stdout and "(details: --verbose)" in proc.stdout


def test_the_reference_solution_passes_with_recorded_answers(student_env):
    proc = _check(student_env, "my_homework.ipynb", "--verbose")  # a renamed notebook: the bundle says which
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "3/3 public tests passed, 5/5 points" in proc.stdout
    assert "applied     netns" in proc.stdout and "missing here: uid" in proc.stdout
