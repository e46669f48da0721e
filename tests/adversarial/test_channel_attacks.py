"""Attacks on the channel and the harness, each in a chunk with two honest neighbours, graded with 2 workers.

Every attack file in ``submissions/channel/bpe`` is graded next to two copies of an honest sample (sorted
names put each attack and its two copies in one chunk of 3). The attack must get a clear status and
message, the neighbours full marks, and the batch must finish with every output readable.
"""
import json
import os
import xml.etree.ElementTree as ET

import pandas as pd
import pytest

from conftest import ROOT, run_cli

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the full sandbox needs root (CI runs as root)")
ATTACKS = ROOT / "tests" / "adversarial" / "submissions" / "channel" / "bpe"
HONEST = ROOT / "submissions" / "bpe" / "alice_regex.ipynb"
LONG_LINE = 64 << 10  # the quoted source line of huge_traceback (the review used 1 MiB)
ITEMS = 150_000  # strings in many_items' reply (the review used 4 million)


def fill(text: str) -> str:
    return text.replace("{LONG}", "A" * LONG_LINE).replace("{ITEMS}", str(ITEMS))


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("channel")
    inputs, out = base / "inputs", base / "out"
    inputs.mkdir()
    for src in sorted(ATTACKS.glob("*.py")):
        (inputs / src.name).write_text(fill(src.read_text()))
        for n in (1, 2):
            (inputs / f"{src.stem}_honest{n}.ipynb").write_bytes(HONEST.read_bytes())
    proc = run_cli("grade", inputs, "--assignment", "bpe", "--out", out, "--workers", "2", timeout=900)
    grades = pd.read_csv(out / "grades.csv").set_index("submission_id") if (out / "grades.csv").exists() else None
    return {"proc": proc, "out": out, "grades": grades, "inputs": inputs}


def student_files(graded, sid):
    folder = graded["out"] / "bpe" / sid
    return json.loads((folder / "results.json").read_text()), (folder / "report.html").read_text()


def messages(graded, sid):
    return "\n".join(t["output"] for t in student_files(graded, sid)[0]["tests"])


def test_batch_completes_and_every_neighbour_scores_full_marks(graded):
    assert graded["proc"].returncode == 0, graded["proc"].stderr[-3000:]
    grades = graded["grades"]
    attacks = [p.stem for p in ATTACKS.glob("*.py")]
    assert len(grades) == 3 * len(attacks)
    for name in attacks:
        for n in (1, 2):
            row = grades.loc[f"{name}_honest{n}"]
            assert (row["score"], row["status"]) == (27, "graded"), f"the neighbour of {name}"
        assert grades.loc[name, "status"] == "graded", name  # a clear student status, never grader_error
        assert grades.loc[name, "score"] <= (2 if name == "late_output" else 0), name  # it returns the specials
    ET.parse(graded["out"] / "junit.xml")


def test_surrogates_are_replaced_once_at_the_boundary(graded):
    data, html = student_files(graded, "surrogate")
    text = messages(graded, "surrogate")
    assert "ValueError: no vocabulary for you \ufffd \ufffd" in text
    assert "\ufffd" in html
    for raw in (graded["out"] / "bpe" / "surrogate").iterdir():
        raw.read_bytes().decode("utf-8")  # strict: no file holds an encoded surrogate


def test_output_after_the_reply_never_stops_the_batch(graded):
    assert "printed more than 8 MiB of output" in messages(graded, "late_output")


def test_a_symbol_that_is_not_callable_is_the_students_failure(graded):
    data, html = student_files(graded, "not_callable")
    assert "`build_bpe` is an int in your notebook" in messages(graded, "not_callable")
    hidden = (ROOT / "reference" / "bpe" / "tests" / "test_bpe_hidden.py").read_text()
    quoted = [line.strip() for line in hidden.splitlines() if len(line.strip()) > 30]
    for page in (html, json.dumps(data)):
        assert "Details for the instructor" not in page and "def test_" not in page
        assert not [q for q in quoted if q in page]


def test_tracebacks_are_shortened(graded):
    folder = graded["out"] / "bpe" / "huge_traceback"
    assert "ZeroDivisionError" in messages(graded, "huge_traceback")
    assert "frames not shown" in messages(graded, "huge_traceback")
    for name in ("results.json", "report.html", "instructor.html"):
        assert (folder / name).stat().st_size < 300_000, name
    assert (graded["out"] / "junit.xml").stat().st_size < 3_000_000


def test_replies_are_capped_by_items(graded):
    assert "more than 100000 items" in messages(graded, "many_items")


def test_forged_frames_fail_the_test_as_the_students(graded):
    for sid, why in (("forged_error", "malformed error"), ("zero_tensor", "tensor")):
        text = messages(graded, sid)
        assert why in text, sid
        assert "a problem in the test" not in text, sid


def test_an_unsolicited_reply_never_shifts_the_channel(graded):
    text = messages(graded, "shift_channel")
    assert "does not answer the request" in text
    assert "SHIFTED:" not in text  # no call ever read the answer to an earlier one


def test_students_never_see_instructor_material_or_classmates(graded):
    inputs = str(graded["inputs"])
    index = (graded["out"] / "bpe" / "index.html").read_text()  # the assignment's dashboard
    for sid in graded["grades"].index:
        data, html = student_files(graded, sid)
        page = html + json.dumps(data)
        assert inputs not in page and "instructor.html" not in html
        others = [o for o in graded["grades"].index if o != sid and o not in sid and o + "_honest" not in sid]
        assert not [o for o in others if o in page], sid
        assert f"{sid}/instructor.html" in index
    instructor = (graded["out"] / "bpe" / "not_callable" / "instructor.html").read_text()
    assert "Details for the instructor" in instructor or "instructor" in instructor


@pytest.mark.parametrize("fmt", ["text", "json", "junit", "github"])
def test_check_survives_surrogates_in_every_format(graded, tmp_path, fmt):
    sub = tmp_path / "surrogate.py"
    sub.write_text((ATTACKS / "surrogate.py").read_text())
    proc = run_cli("check", sub, "--assignment", "bpe", "--format", fmt)
    assert proc.returncode == 1, proc.stderr[-2000:]
    if fmt == "json":
        json.loads(proc.stdout)
    if fmt == "junit":
        ET.fromstring(proc.stdout.encode())


def test_a_harness_failure_regrades_the_chunk_one_by_one(tmp_path, monkeypatch):
    """A hook that fails on one submission stops pytest (INTERNAL_ERROR): its neighbours are graded again alone."""
    from grader import assignment
    from grader.harness import plugin, runner
    from grader.intake.prepare import prepare

    a = assignment.load("bpe")
    for name in ("a_honest", "b_boom", "c_honest"):
        (tmp_path / f"{name}.ipynb").write_bytes(HONEST.read_bytes())
    finish = plugin.GradingPlugin._finish

    def fails_on_b(self, index):
        if self.prepared[index].submission_id == "b_boom":
            raise RuntimeError("a harness bug triggered by this submission")
        finish(self, index)

    monkeypatch.setattr(plugin.GradingPlugin, "_finish", fails_on_b)
    context = runner.Context(runner.RunSpec(a, "cpu", True, runner.hidden_roots([tmp_path])))
    out = []
    try:
        runner.run_tests([prepare(p, a) for p in sorted(tmp_path.glob("*.ipynb"))], context, out.append)
    finally:
        context.close()
    by_id = {r.submission_id: r for r in out}
    assert len(out) == 3
    assert (by_id["a_honest"].status, by_id["a_honest"].score) == ("graded", 7)
    assert (by_id["c_honest"].status, by_id["c_honest"].score) == ("graded", 7)
    assert by_id["b_boom"].status == "grader_error" and "failed while grading" in by_id["b_boom"].message
