"""The CLI as students, instructors and CI use it: exit codes, formats, and clear errors without tracebacks."""
import json
import shutil
import xml.etree.ElementTree as ET

import pytest

from conftest import ROOT, run_cli, write_notebook

SAMPLES = ROOT / "submissions" / "bpe"


def test_check_passing_notebook_exits_zero():
    proc = run_cli("check", SAMPLES / "alice_regex.ipynb", "--assignment", "bpe")
    assert proc.returncode == 0, proc.stderr
    assert "5/5 public tests passed, 7/7 points" in proc.stdout
    assert "hidden tests decide the grade" in proc.stdout


def test_check_failing_notebook_teaches_and_exits_one():
    proc = run_cli("check", SAMPLES / "frank_unsorted.ipynb", "--assignment", "bpe")
    assert proc.returncode == 1
    assert "✘ test_sorted_by_length_longest_first" in proc.stdout
    assert "Subwords must be sorted by length, longest first." in proc.stdout
    assert "Hint: sorted(subwords, key=len, reverse=True)" in proc.stdout


def test_check_guesses_the_assignment_from_the_file_name(tmp_path):
    nb = (tmp_path / "bpe.ipynb")
    nb.write_bytes((SAMPLES / "carol_tiebreak.ipynb").read_bytes())
    assert run_cli("check", nb).returncode == 0


def test_check_reads_the_assignment_from_the_notebook_metadata(tmp_path):
    nb = tmp_path / "my_homework.ipynb"
    shutil.copy(ROOT / "assignments" / "transformer_masks" / "transformer_masks.ipynb", nb)
    proc = run_cli("check", nb)
    assert proc.returncode == 1 and "transformer_masks" in proc.stdout, proc.stderr


def test_check_says_each_reason_once_with_line_and_column():
    proc = run_cli("check", SAMPLES / "peggy_corrupt.ipynb", "--assignment", "bpe")
    assert proc.returncode == 1
    assert proc.stdout.count("not a valid Jupyter notebook") == 1 and "line 33, column 5" in proc.stdout


def test_check_says_did_you_mean(tmp_path):
    nb = write_notebook(tmp_path / "hw.ipynb", "def build_bpe_vocab(corpus, max_vocab_size):\n    return []")
    proc = run_cli("check", nb, "--assignment", "bpe")
    assert proc.returncode == 1 and "did you mean `build_bpe_vocab`" in proc.stdout, proc.stdout


def test_check_formats_for_ci():
    nb = SAMPLES / "grace_no_specials.ipynb"
    data = json.loads(run_cli("check", nb, "--assignment", "bpe", "--format", "json").stdout)
    assert data["score"] == 6 and len(data["tests"]) == 5  # only the specials test: sizes count them apart
    root = ET.fromstring(run_cli("check", nb, "--assignment", "bpe", "--format", "junit").stdout)
    assert root.find("testsuite").get("failures") == "1"
    github = run_cli("check", nb, "--assignment", "bpe", "--format", "github").stdout
    assert github.count("::error file=") == 1 and "%0A" in github


@pytest.mark.parametrize("args, message", [
    (["check", "nope.ipynb", "--assignment", "bpe"], "no such notebook"),
    (["check", str(SAMPLES / "alice_regex.ipynb"), "--assignment", "nonexistent"], "unknown assignment"),
    (["grade", "missing-folder", "--assignment", "bpe"], "no such file or folder"),
    (["status", "--out", "/nonexistent-dir"], "no gradebook"),
])
def test_bad_input_is_a_message_not_a_traceback(args, message):
    proc = run_cli(*args)
    assert proc.returncode == 2
    assert message in proc.stderr and "Traceback" not in proc.stderr


def test_extract_prints_only_what_is_graded():
    proc = run_cli("extract", SAMPLES / "erin_magics.ipynb", "--assignment", "bpe")
    assert proc.returncode == 0
    assert "def build_bpe" in proc.stdout and "# ---- cell 6 (from line 2)" in proc.stdout
    for absent in ("while True", "drive.mount", "input(", "rm -rf", "pip install"):
        assert absent not in proc.stdout


def test_grade_handles_a_batch_with_broken_members(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "good.ipynb").write_bytes((SAMPLES / "alice_regex.ipynb").read_bytes())
    (inputs / "notes.py").write_text("this is not python at all (")
    write_notebook(inputs / "crasher.ipynb", "import os\ndef build_bpe(corpus, max_vocab_size):\n    os._exit(3)")
    (inputs / "student7").mkdir()
    (inputs / "student7" / "hw.ipynb").write_bytes((SAMPLES / "bob_incremental.ipynb").read_bytes())
    out = tmp_path / "out"
    proc = run_cli("grade", inputs, "--assignment", "bpe", "--out", out, "--workers", "1")
    assert proc.returncode == 0, proc.stderr
    import pandas as pd

    grades = pd.read_csv(out / "grades.csv").set_index("submission_id")
    assert grades.loc["good", "score"] == 27 and grades.loc["student7", "score"] == 27
    assert grades.loc["crasher", "score"] == 0 and grades.loc["notes", "status"] == "missing_symbol"
    crash = json.loads((out / "bpe" / "crasher" / "results.json").read_text())
    assert "stopped before replying (it crashed or exited)" in crash["tests"][0]["output"]


def test_without_root_check_works_and_says_what_is_missing(tmp_path):
    import os
    import subprocess
    import sys

    env = dict(os.environ, GRADER_UNPRIVILEGED="1")
    run = lambda *a: subprocess.run([sys.executable, "-m", "grader", *map(str, a)], cwd=ROOT, env=env,
                                    capture_output=True, text=True, timeout=300)
    proc = run("check", SAMPLES / "alice_regex.ipynb", "--assignment", "bpe", "--verbose")
    assert proc.returncode == 0, proc.stderr
    assert "missing here: " in proc.stdout and "uid" in proc.stdout.split("missing here: ")[1] and "Traceback" not in proc.stderr
    refused = run("grade", SAMPLES / "alice_regex.ipynb", "--assignment", "bpe", "--out", tmp_path)
    assert refused.returncode == 2 and "grades would not be official" in refused.stderr
    allowed = run("grade", SAMPLES / "alice_regex.ipynb", "--assignment", "bpe", "--out", tmp_path, "--allow-unsafe")
    assert allowed.returncode == 0, allowed.stderr


def test_cuda_without_a_gpu_is_a_clear_error():
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    proc = run_cli("check", SAMPLES / "alice_regex.ipynb", "--assignment", "bpe", "--device", "cuda")
    assert proc.returncode == 2 and "no CUDA device is available" in proc.stderr and "Traceback" not in proc.stderr


def test_lms_zip_export_with_student_folders_and_duplicate_ids(tmp_path):
    import zipfile
    import xml.etree.ElementTree as ET

    import pandas as pd

    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("export/ada/attempt/hw4.ipynb", (SAMPLES / "alice_regex.ipynb").read_bytes())
        zf.writestr("export/ada/attempt/.ipynb_checkpoints/hw4-checkpoint.ipynb", b"{}")
        zf.writestr("export/bo/bpe.ipynb", (SAMPLES / "frank_unsorted.ipynb").read_bytes())
        zf.writestr("export/cy/notes.txt", b"no notebook here")
        zf.writestr("../escape.py", b"print('zip slip')")
    extra = tmp_path / "late"
    extra.mkdir()
    (extra / "bo.ipynb").write_bytes((SAMPLES / "bob_incremental.ipynb").read_bytes())
    out = tmp_path / "out"
    proc = run_cli("grade", archive, extra, "--assignment", "bpe", "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert not (tmp_path / "escape.py").exists() and not (out.parent / "escape.py").exists()
    assert [p.name for p in out.iterdir() if p.name.startswith("grader-zip")] == []  # nothing extracted
    grades = pd.read_csv(out / "grades.csv").set_index("submission_id")
    assert grades.loc["ada", "score"] == 27 and grades.loc["bo", "score"] == 26
    assert grades.loc["bo.ipynb", "score"] == 27  # the second 'bo' is kept under its file name, not merged
    assert grades.loc["cy", "status"] == "invalid" and grades.loc["escape.py", "status"] == "invalid"
    dup = json.loads((out / "bpe" / "bo.ipynb" / "results.json").read_text())
    assert "another submission is also named 'bo'" in dup["output"]
    cy = json.loads((out / "bpe" / "cy" / "results.json").read_text())
    assert "no notebook (.ipynb) or .py file was found in the folder cy (it holds: notes.txt)" in cy["output"]
    suites = ET.parse(out / "junit.xml").getroot().findall("testsuite")
    assert {s.get("name") for s in suites} == {"bpe.ada", "bpe.bo", "bpe.bo.ipynb", "bpe.cy", "bpe.escape.py"}
    status = run_cli("status", "--out", out)
    assert status.returncode == 0 and "bpe" in status.stdout and "invalid" in status.stdout
