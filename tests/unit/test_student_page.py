"""The student's page with pictures: drawn where allowed, hostile text inert, small; pictures capped on the way in.

Also: ``feedback(pictures=...)`` reaches ``TestResult.pictures`` through ``verdict``, old gradebook records
(without ``pictures``) still load, and ``results.json`` uses the assignment's ``hidden_visibility``.
"""
import json
import re

import pytest

from grader import assignment
from grader.harness import outcomes
from grader.results import export, pictures, report
from grader.results.records import FAILED, PASSED, SKIPPED, SubmissionResult, TestResult
from grader.testing.feedback import feedback, grid, heatmap, vocab

HOSTILE = "<script>alert(1)</script>\x1b[2J<img src=x onerror=alert(2)>"


def _pictures(tag: str) -> tuple:
    return pictures.clean((
        heatmap(f"Expected {tag} {HOSTILE}", [[1.0, 0.0], [0.5, 0.5]], [[False, True], [False, False]]),
        heatmap(f"Yours {tag}", [[0.7, 0.3], [0.5, 0.5]], [[False, True], [False, False]]),
        grid(f"Mask {tag}", [[True, False], [True, True]]),
        vocab(f"Vocab {tag}", ["<pad>", "ab", "a", "b"], ["<pad>", "a", "ab", HOSTILE, "\x1b[31m"])))


def _result(flood: int = 0) -> SubmissionResult:
    tests = (
        TestResult("test_public", "shown", "public", 0.0, 2.0, FAILED, message=f"wrong {HOSTILE}",
                   output=HOSTILE + "x" * flood, pictures=_pictures("public")),
        TestResult("test_hidden", "secret", "hidden", 0.0, 1.0, FAILED, message="hidden message stays",
                   detail="INSTRUCTOR-ONLY assert 1 == 2", pictures=_pictures("hidden")),
        TestResult("test_slow", "", "public", 0.0, 1.0, FAILED,
                   message="build_bpe: the code did not finish in time (is there an infinite loop, or a call that "
                           "waits?) (time limit: 5 s per call)"),
        TestResult("test_gpu", "", "hidden", 0.0, 3.0, SKIPPED, message="Skipped: only meaningful on a GPU"),
        TestResult("test_ok", "", "public", 1.0, 1.0, PASSED))
    return SubmissionResult(f"eve {HOSTILE}", "masked_mha", "/secret/path/eve.ipynb", "c" * 64, "s" * 16, "graded",
                            1.0, 5.0, tests=tests, protections=("netns", "pidns", "seccomp"), duration=1.25,
                            grader_version="0.1.0")


@pytest.mark.parametrize("visibility", ["after_published", "visible"])
def test_student_page_draws_pictures_only_where_allowed_and_keeps_text_inert(visibility):
    html = report.student_page(_result(), visibility)
    assert "<script" not in html and "<img" not in html and "\x1b" not in html
    assert "onerror" not in html.replace("onerror=alert(2)&gt;", "")  # only as escaped text
    assert "&lt;script&gt;" in html
    assert "Expected public" in html and "Mask public" in html and "Vocab public" in html
    assert html.count('class="heat"') == (4 if visibility == "visible" else 2)
    assert ("Expected hidden" in html) == (visibility == "visible")
    assert "hidden message stays" in html  # hidden tests' messages as today
    assert "INSTRUCTOR-ONLY" not in html and "/secret/path" not in html and "instructor.html" not in html
    assert 'class="tok extra"' in html and 'class="tok misplaced"' in html and 'class="tok missing"' in html
    assert 'href="../index.html"' in html
    assert "not counted on this device" in html and "3 points not counted here, not lost" in html
    assert "0 / 3" not in html
    assert "timed out" in html and "time limit: 5 s per call" in html
    footer = html[html.index('<footer'):]
    assert "netns, pidns, seccomp" in footer and "cpu" in footer and "1.25 s" in footer
    assert html.index('id="score"') < html.index('id="tests"')
    assert html.index("test_public") < html.index("test_ok") < html.index("test_gpu")


def test_a_flooded_page_with_pictures_stays_under_500_kb():
    big = pictures.clean([heatmap("big", [[0.5] * 500] * 500, [[True] * 500] * 500)] * 9)
    result = _result(flood=5_000_000)
    result = SubmissionResult(**{**result.__dict__, "tests": tuple(
        TestResult(**{**t.__dict__, "pictures": big}) for t in result.tests) * 3})
    html = report.student_page(result, "visible")
    assert len(html.encode()) < 500_000


def test_pictures_are_capped_and_junk_is_dropped():
    raw = [heatmap("big", [[0.1] * 100] * 100), {"kind": "script", "matrix": []}, "nope", {"kind": "grid"},
           {"kind": "grid", "title": "t", "matrix": "abc"}, vocab("v", ["x" * 100] * 1000, []), grid("g", [[1]]),
           grid("g2", [[0]]), grid("g3", [[1]])]
    out = pictures.clean(raw)
    assert [p["kind"] for p in out] == ["heatmap", "vocab", "grid", "grid"]
    assert len(out[0]["matrix"]) == 48 and len(out[0]["matrix"][0]) == 48 and "48" in out[0]["title"]
    assert len(out[1]["expected"]) == 400 and len(out[1]["expected"][0]) == 40
    json.dumps(out)  # plain data


def test_feedback_pictures_reach_the_verdict_and_old_records_load():
    error = feedback("wrong", pictures=[grid("g", [[True]])])
    v = outcomes.verdict(error, "call", "")
    assert v.outcome == FAILED and v.pictures == ({"kind": "grid", "title": "g", "matrix": [[True]]},)
    data = _result().to_dict()
    for t in data["tests"]:
        del t["pictures"]
    assert all(t.pictures == () for t in SubmissionResult.from_dict(data).tests)
    assert SubmissionResult.from_dict(json.loads(json.dumps(_result().to_dict()))) == _result()


def test_vocab_diff_marks_extra_misplaced_and_missing():
    html = str(pictures.vocab_diff(["<pad>", "abc", "ab", "a", "b"], ["<pad>", "a", "ab", "zz", "b"]))
    marks = dict((t, k) for k, t in re.findall(r'class="tok (\w+)"[^>]*>([^<]*)<', html))
    assert marks["&lt;pad&gt;"] == marks["b"] == "ok" and marks["zz"] == "extra" and marks["abc"] == "missing"
    assert sorted((marks["a"], marks["ab"])) == ["misplaced", "ok"]  # one of the two is out of order
    assert 'class="tok missing" title="missing">abc<' in html


def test_hidden_visibility_is_read_and_used_in_results_json(tmp_path):
    folder = tmp_path / "assignments" / "x"
    folder.mkdir(parents=True)
    (folder / "assignment.toml").write_text('symbols = ["f"]\nhidden_visibility = "after_due_date"\n')
    assert assignment.load("x", tmp_path).hidden_visibility == "after_due_date"
    assert assignment.hidden_visibility("x", tmp_path) == "after_due_date"
    assert assignment.hidden_visibility("missing", tmp_path) == "after_published"
    data = export.gradescope(_result(), "after_due_date")
    assert {t["name"].split(":")[0]: t["visibility"] for t in data["tests"]} == {
        "test_public": "visible", "test_hidden": "after_due_date", "test_slow": "visible", "test_ok": "visible"}
    (folder / "assignment.toml").write_text('symbols = ["f"]\nhidden_visibility = "sometimes"\n')
    with pytest.raises(Exception, match="hidden_visibility"):
        assignment.load("x", tmp_path)
