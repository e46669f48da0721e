"""The BPE sample cohort graded with the real CLI: every sample scores what its bug deserves."""
import json
import tomllib

import pandas as pd

from conftest import ROOT

EXPECTED = tomllib.loads((ROOT / "tests" / "expected_bpe_samples.toml").read_text())


def test_every_sample_is_graded_as_expected(bpe_cohort):
    out, _ = bpe_cohort
    grades = pd.read_csv(out / "bpe" / "grades.csv")  # the assignment's own tests as columns
    assert list(grades.columns[:5]) == ["submission_id", "assignment", "score", "max_score", "status"]
    assert sorted(grades.submission_id) == sorted(EXPECTED)
    tests = list(grades.columns[5:])
    assert len(tests) == 22 and grades.max_score.eq(27).all()
    for _, row in grades.iterrows():
        want = EXPECTED[row.submission_id]
        assert row.status == want["status"], row.submission_id
        if want["status"] != "graded":
            assert row.score == 0
            continue
        failed = sorted(t for t in tests if row[t] == 0)
        assert failed == sorted(want["fails"]), row.submission_id
        if want["fails"]:
            assert 0 < row.score < row.max_score, row.submission_id
        else:
            assert row.score == row.max_score, row.submission_id


def test_results_json_follows_gradescope_schema(bpe_cohort):
    out, _ = bpe_cohort
    data = json.loads((out / "bpe" / "judy_infinite_loop" / "results.json").read_text())
    assert set(data) >= {"score", "tests", "output", "execution_time"}
    assert data["score"] == sum(t["score"] for t in data["tests"])
    for t in data["tests"]:
        assert set(t) >= {"name", "score", "max_score", "status", "output", "visibility"}
        assert t["status"] in ("passed", "failed") and t["visibility"] in ("visible", "after_published")
    timeouts = [t for t in data["tests"] if "did not finish in time" in t["output"]]
    assert {t["name"].split(":")[0] for t in timeouts} == {"test_stops_when_no_pair_is_left",
                                                           "test_stops_cleanly_when_no_pair_is_left"}


def test_statuses_explain_themselves(bpe_cohort):
    out, _ = bpe_cohort
    oscar = json.loads((out / "bpe" / "oscar_wrong_name" / "results.json").read_text())
    assert "`build_BPE` (cell 4) is graded as `build_bpe`" in oscar["output"] and oscar["score"] == 27
    peggy = json.loads((out / "bpe" / "peggy_corrupt" / "results.json").read_text())
    assert "not a valid Jupyter notebook" in peggy["output"]
    nina = json.loads((out / "bpe" / "nina_syntax_error" / "results.json").read_text())
    assert nina["score"] == 27 and "syntax error" in nina["output"]


def test_feedback_names_the_bug(bpe_cohort):
    out, _ = bpe_cohort

    def message(sid, test):
        data = json.loads((out / "bpe" / sid / "results.json").read_text())
        return next(t["output"] for t in data["tests"] if t["name"].startswith(test))

    assert "Hint: sorted(subwords, key=len, reverse=True)" in message("frank_unsorted", "test_sorted_by_length")
    assert "str.replace" in message("ken_naive_replace", "test_merges_respect_symbol_boundaries")
    assert "hash seeds" in message("mallory_set_order", "test_same_vocabulary")
    quinn = message("quinn_uses_len", "test_generator_corpus")
    assert "TypeError: object of type 'generator' has no len()" in quinn and "in build_bpe, cell 4, line 4: print(f" in quinn


def test_batch_outputs_exist(bpe_cohort):
    out, proc = bpe_cohort
    for name in ("index.html", "grades.csv", "gradebook.sqlite", "junit.xml", "lms.csv", "bpe/index.html",
                 "bpe/grades.csv"):
        assert (out / name).is_file(), name
    assert (out / "bpe" / "alice_regex" / "report.html").is_file()
    assert "17 graded" in proc.stderr
    assert 'href="bpe/index.html"' in (out / "index.html").read_text()
    html = (out / "bpe" / "index.html").read_text()
    assert "alice_regex" in html and 'href="alice_regex/report.html"' in html
    assert "<svg" in html and "What to teach next" in html
