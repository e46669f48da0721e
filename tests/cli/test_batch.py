"""Batch grading at scale: resumable after SIGKILL, identical regrades, Dask equal to local."""
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pandas as pd
import pytest

from conftest import ROOT, run_cli

SAMPLES = ROOT / "submissions" / "bpe"
FAST = sorted(p for p in SAMPLES.iterdir() if "judy" not in p.name)  # no deliberate timeouts


def cohort(tmp_path, copies=3):
    inputs = tmp_path / "in"
    inputs.mkdir()
    for i in range(copies):
        for src in FAST:
            (inputs / f"{src.stem}_{i}{src.suffix}").write_bytes(src.read_bytes())
    return inputs


def rows(out):
    db = sqlite3.connect(out / "gradebook.sqlite")
    try:
        return db.execute("SELECT submission_id, score, status FROM results ORDER BY submission_id").fetchall()
    except sqlite3.OperationalError:  # polled between the file's creation and its schema
        return []
    finally:
        db.close()


def test_sigkill_midway_then_rerun_loses_nothing(tmp_path):
    inputs = cohort(tmp_path)
    total = len(list(inputs.iterdir()))
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "grader", "grade", str(inputs), "--assignment", "bpe", "--out", str(out),
           "--workers", "2"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        time.sleep(0.3)
        if (out / "gradebook.sqlite").exists() and 5 <= len(rows(out)):
            break
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = rows(out)
    assert 5 <= len(partial) < total, "the kill should land midway"
    again = run_cli("grade", inputs, "--assignment", "bpe", "--out", out, "--workers", "2")
    assert again.returncode == 0, again.stderr
    assert f"{len(partial)} already graded" in again.stderr
    final = rows(out)
    assert len(final) == total == len({r[0] for r in final})  # complete, no duplicate
    assert set(partial) <= set(final)  # nothing committed was lost or changed
    grades = pd.read_csv(out / "grades.csv")
    assert len(grades) == total and grades.submission_id.is_unique


def test_regrading_gives_identical_scores(tmp_path):
    inputs = cohort(tmp_path, copies=1)
    out = tmp_path / "out"
    assert run_cli("grade", inputs, "--assignment", "bpe", "--out", out, "--workers", "1").returncode == 0
    first = pd.read_csv(out / "grades.csv")
    assert run_cli("grade", inputs, "--assignment", "bpe", "--out", out, "--regrade").returncode == 0
    pd.testing.assert_frame_equal(first, pd.read_csv(out / "grades.csv"))


def test_hanging_submission_costs_at_most_three_timeouts(tmp_path):
    from conftest import write_notebook

    inputs = tmp_path / "in"
    inputs.mkdir()
    write_notebook(inputs / "hang.ipynb", "import time\ndef build_bpe(corpus, max_vocab_size):\n    time.sleep(999)")
    (inputs / "ok.ipynb").write_bytes((SAMPLES / "alice_regex.ipynb").read_bytes())
    out = tmp_path / "out"
    started = time.monotonic()
    proc = run_cli("grade", inputs, "--assignment", "bpe", "--out", out, "--workers", "1")
    assert proc.returncode == 0
    assert time.monotonic() - started < 90  # three wall guards (1.5 x 10 s + 1 s each), start-up, the rest
    grades = pd.read_csv(out / "grades.csv").set_index("submission_id")
    assert grades.loc["hang", "score"] == 0 and grades.loc["ok", "score"] == 27
    import json

    messages = [t["output"] for t in json.loads((out / "bpe" / "hang" / "results.json").read_text())["tests"]]
    assert sum("did not finish in time" in m for m in messages) == 3
    assert sum(m.startswith("Not run: your code already ran out of time 3 times") for m in messages) == 19  # 22 tests, 3 of them timed out


def test_dask_and_local_executors_agree(tmp_path, bpe_cohort):
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    try:
        out = tmp_path / "dask"
        proc = run_cli("grade", SAMPLES, "--assignment", "bpe", "--out", out, "--executor", "dask",
                       "--scheduler", cluster.scheduler_address)
        assert proc.returncode == 0, proc.stderr
    finally:
        cluster.close()
    local = pd.read_csv(bpe_cohort[0] / "grades.csv").sort_values("submission_id").reset_index(drop=True)
    dask = pd.read_csv(out / "grades.csv").sort_values("submission_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(local, dask)


def test_ctrl_c_stops_cleanly_and_keeps_finished_results(tmp_path):
    inputs = cohort(tmp_path)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "grader", "grade", str(inputs), "--assignment", "bpe", "--out", str(out),
           "--workers", "2"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        time.sleep(0.3)
        if (out / "gradebook.sqlite").exists() and len(rows(out)) >= 3:
            break
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal's Ctrl-C sends: the whole foreground group
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted; results committed so far are kept" in err and "Traceback" not in err
    kept = rows(out)
    assert 3 <= len(kept) < len(list(inputs.iterdir()))
    assert "stopping: finishing the" in err
    again = run_cli("grade", inputs, "--assignment", "bpe", "--out", out, "--workers", "2")
    assert again.returncode == 0 and len(rows(out)) == len(list(inputs.iterdir()))
