"""The trust boundary under attack: one adversarial submission per threat, graded in one batch.

Each attack must fail: the submission scores zero (or only what it honestly earned), the side effect
did not happen, and the batch goes on. An honest submission graded after them all scores full marks.
Runs as root on Linux (CI), where every protection applies.
"""
import json
import os
import socket
import subprocess
import threading
import time

import pandas as pd
import pytest

from conftest import ROOT, run_cli
from grader.results.report import safe_dirname

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the full sandbox needs root (CI runs as root)")
ATTACKS = ROOT / "tests" / "adversarial" / "submissions"
TOKEN = str(os.getpid())  # marks this run's leftover processes: other graders on the host are not ours


@pytest.fixture(scope="module")
def attacked(tmp_path_factory):
    base = tmp_path_factory.mktemp("adversarial")
    inputs, out = base / "inputs", base / "out"
    inputs.mkdir()
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    connections = []

    def accept():
        while not stop.is_set():
            try:
                connections.append(server.accept())
            except OSError:
                pass

    stop = threading.Event()
    threading.Thread(target=accept, daemon=True).start()
    for src in (ATTACKS / "bpe").glob("*.py"):
        text = (src.read_text().replace("{ROOT}", str(ROOT)).replace("{OUT}", str(out)).replace("{TOKEN}", TOKEN)
                .replace("{INPUTS}", str(inputs)).replace("{PORT}", str(server.getsockname()[1])))
        (inputs / src.name).write_text(text)
    (inputs / "zz_honest.ipynb").write_bytes((ROOT / "submissions" / "bpe" / "alice_regex.ipynb").read_bytes())
    started = time.monotonic()
    proc = run_cli("grade", inputs, "--assignment", "bpe", "--out", out, "--workers", "1", timeout=900)
    elapsed = time.monotonic() - started
    time.sleep(4)  # give any surviving daemon the time it asked for
    stop.set()
    grades = pd.read_csv(out / "grades.csv").set_index("submission_id")
    yield {"proc": proc, "out": out, "grades": grades, "connections": connections, "elapsed": elapsed}
    server.close()


def results(attacked, sid):
    return json.loads((attacked["out"] / "bpe" / sid / "results.json").read_text())


def outputs(attacked, sid):
    return "\n".join(t["output"] for t in results(attacked, sid)["tests"])


def test_batch_completes_and_honest_work_is_unaffected(attacked):
    assert attacked["proc"].returncode == 0, attacked["proc"].stderr
    assert attacked["grades"].loc["zz_honest", "score"] == 27
    assert len(attacked["grades"]) == 12


def test_1_lying_values_score_zero(attacked):
    assert attacked["grades"].loc["lying_values", "score"] == 0
    assert "returned a `student.Liar` (only plain data can be graded)" in outputs(attacked, "lying_values")
    assert "containing a `student.LiarStr`" in outputs(attacked, "lying_values")


def test_2_monkeypatching_stays_in_the_cell(attacked):
    assert attacked["grades"].loc["monkeypatch", "score"] == 0
    assert "returned" not in attacked["proc"].stderr


def test_3_no_secret_is_readable(attacked):
    text = outputs(attacked, "read_secrets")
    assert "LEAKED" not in text
    assert text.count("blocked") >= 8 * 22  # eight attempts, in every test
    assert "expected values in memory: 0" in text


def test_4_early_exits_never_pass(attacked):
    assert attacked["grades"].loc["early_exit", "score"] == 0
    assert "stopped before replying" in outputs(attacked, "early_exit")


def test_5_forged_results_are_ignored(attacked):
    data = results(attacked, "forge_results")
    honest = sum(t["score"] for t in data["tests"] if t["status"] == "passed")
    # It returns exactly the five specials: that honestly passes the two public checks about specials and order.
    assert data["score"] == honest == attacked["grades"].loc["forge_results", "score"] == 2
    assert len(data["tests"]) == 22
    assert "WROTE" not in outputs(attacked, "forge_results").replace("WROTE results.json", "")


def test_6_denial_of_service_is_contained(attacked):
    assert attacked["grades"].loc["denial_of_service", "score"] == 0
    text = outputs(attacked, "denial_of_service")
    assert text.count("did not finish in time") == 2  # fork bomb, sleep
    assert "EOFError" in text  # input()
    assert "MemoryError" in text  # memory bomb
    assert "printed more than 8 MiB" in text  # output flood
    assert (ROOT / "reference" / "bpe" / "tests").is_dir()  # rmtree of the project saw an empty folder
    assert attacked["elapsed"] < 240


def test_7_no_process_survives(attacked):
    """Only processes this run started (they carry its token): another grader on the host is not ours."""
    leftover = subprocess.run(["ps", "-eo", "args="], capture_output=True, text=True).stdout
    assert [line for line in leftover.splitlines() if f"1000.{TOKEN}" in line] == []
    assert "STARTED" in outputs(attacked, "leave_processes")  # the attack did run


def test_8_no_connection_leaves_the_cell(attacked):
    assert attacked["connections"] == []
    text = outputs(attacked, "network")
    assert "CONNECTED" not in text and text.count("blocked 127.0.0.1") >= 1


def test_9_written_files_do_not_persist(attacked):
    assert not (ROOT / "conftest.py").exists()
    assert not (ROOT / "reference" / "bpe" / "tests" / "conftest.py").exists()
    assert not list(ROOT.joinpath(".venv").glob("evil.pth"))
    assert not os.path.exists("/tmp/sitecustomize.py")  # it was written, in the cell's private /tmp only
    written = [line for line in outputs(attacked, "persist").splitlines() if line.startswith("wrote ")]
    assert written and all(not line.startswith("wrote /") or line.startswith("wrote /tmp/") for line in written)


def test_11_the_zygote_cannot_be_reached_from_a_cell(attacked):
    text = outputs(attacked, "zygote_hijack")
    assert "HIJACKED" not in text
    # 0, 1, 2, the channel and the descriptor listdir itself holds: nothing inherited from the zygote
    assert text.count("open fds: ") >= 22 and text.count("open fds: ") == text.count("open fds: 5")  # every cell


def test_10_reports_show_injections_as_text(attacked):
    sid = "inject_<script>alert(1)<_script>"
    folder = attacked["out"] / "bpe" / safe_dirname(sid)  # inject__script_alert_1___script_-<hash of the id>
    html = (folder / "report.html").read_text()
    assert "<script>" not in html and "&lt;script&gt;alert(&#39;owned&#39;)" in html
    assert "onerror=alert" not in html.replace("&lt;img src=x onerror=alert(1)&gt;", "")
    assert "\x1b" not in html
    index = (attacked["out"] / "bpe" / "index.html").read_text()
    assert "<script>alert(1)" not in index and "inject_&lt;script&gt;" in index
    assert sid in attacked["grades"].index


def test_1_lying_tensors_score_zero(tmp_path):
    """NaN, a scalar where a tensor is due, the wrong dtype, a tensor subclass whose comparisons lie."""
    proc = run_cli("grade", ATTACKS / "mha", "--assignment", "mha", "--out", tmp_path)
    assert proc.returncode == 0, proc.stderr
    grades = pd.read_csv(tmp_path / "grades.csv").set_index("submission_id")
    assert len(grades) == 4 and (grades.score == 0).all() and (grades.status == "graded").all(), grades
    text = lambda sid: "\n".join(t["output"] for t in json.loads(
        (tmp_path / "mha" / sid / "results.json").read_text())["tests"])
    assert "returned NaN or infinite values" in text("lying_nan")
    assert "wrong shape" in text("lying_scalar")
    assert "torch.float64" in text("lying_float64")
    assert "returned a `student.Liar` (only plain data can be graded)" in text("lying_subclass")
