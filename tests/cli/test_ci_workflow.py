"""The released GitHub Actions workflow, run as written: a release in a temporary git repository, each `run:`
step executed by bash (the install step with a local grader instead of the package index), for a passing and
a failing notebook: exit codes, annotations within GitHub's limits, the job summary and the JUnit file."""
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from conftest import ROOT

yaml = pytest.importorskip("yaml")
NAME = "transformer_masks"


@pytest.fixture(scope="module")
def repo(tmp_path_factory):
    base = tmp_path_factory.mktemp("ci")
    repo = base / "submission"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-m", "grader", "release", NAME, "--out", str(repo)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    git = ["git", "-c", "user.name=s", "-c", "user.email=s@example.org"]
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run([*git, "add", "."], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "bundle"], cwd=repo, check=True)
    tools = base / "bin"
    tools.mkdir()
    shim = tools / "grader"  # what `pip install "$GRADER_PACKAGE"` puts on PATH
    shim.write_text(f"#!/bin/sh\nPYTHONPATH={ROOT} exec {sys.executable} -m grader \"$@\"\n")
    shim.chmod(0o755)
    return repo, tools


def _steps(repo):
    workflow = yaml.safe_load((repo / ".github" / "workflows" / "grader.yml").read_text())
    job = workflow["jobs"]["check"]
    assert workflow[True if True in workflow else "on"] is not None and job["runs-on"] == "ubuntu-latest"
    uses = [s["uses"].split("@")[0] for s in job["steps"] if "uses" in s]
    assert uses == ["actions/checkout", "actions/setup-python", "actions/upload-artifact"]
    upload = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-artifact"))
    return job, [s for s in job["steps"] if "run" in s], upload


def _run_workflow(repo, tools, notebook_source):
    shutil.copy(notebook_source, repo / f"{NAME}.ipynb")
    job, steps, upload = _steps(repo)
    summary = repo.parent / "step_summary.md"
    summary.write_text("")
    env = dict(os.environ, PATH=f"{tools}:{os.environ['PATH']}", GITHUB_STEP_SUMMARY=str(summary),
               GRADER_PACKAGE="grader", GITHUB_ACTIONS="true")
    env.pop("PYTHONPATH", None)
    results = []
    for step in steps:
        if step["name"] == "Install the grader":
            assert 'pip install --quiet "$GRADER_PACKAGE"' in step["run"]
            continue  # offline here: the shim on PATH is the installed grader
        results.append(subprocess.run(["bash", "-e", "-c", step["run"]], cwd=repo, env=env, capture_output=True,
                                      text=True, timeout=600))
    junit = repo / upload["with"]["path"]
    return results[-1], summary.read_text(), junit


def test_a_passing_notebook_passes_the_workflow(repo):
    proc, summary, junit = _run_workflow(*repo, ROOT / "submissions" / NAME / "ana_bool_masks.ipynb")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "::error" not in proc.stdout and "::notice title=score::3/3 public tests passed" in proc.stdout
    assert summary.startswith("## ✅ transformer_masks: 3/3 public tests")
    assert ET.parse(junit).getroot().find("testsuite").get("failures") == "0"


def test_a_failing_notebook_fails_with_annotations(repo):
    proc, summary, junit = _run_workflow(*repo, ROOT / "submissions" / NAME / "causal_blocks_diagonal.ipynb")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    errors = [line for line in proc.stdout.splitlines() if line.startswith("::error ")]
    assert 1 <= len(errors) <= 10
    assert errors[0].startswith(f"::error file={NAME}.ipynb,title=test_causal_mask::make_causal_mask(4) is wrong")
    assert "| ❌ | `test_causal_mask` |" in summary and "## ❌" in summary
    assert ET.parse(junit).getroot().find("testsuite").get("failures") == str(len(errors))
