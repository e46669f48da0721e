"""The attention assignments: every mutant is caught with a message that names its bug; every correct
sample (course globals, explicit arguments, einsum, scaled_dot_product_attention) scores full marks."""
import json

import pandas as pd
import pytest

from grader.testing.attention import MISTAKES

from conftest import ROOT, run_cli

# mutant -> words its feedback must contain (the hint that names the bug)
NAMED = {
    "mha": {"scale_d_model": MISTAKES["scale_d_model"], "view_no_transpose": MISTAKES["view_no_transpose"],
            "softmax_wrong_axis": MISTAKES["softmax_wrong_axis"], "no_output_projection": MISTAKES["no_output_projection"],
            "hardcoded_dims": "sizes look hard-coded"},
    "masked_mha": {"mask_inverted": MISTAKES["mask_inverted"], "fill_zero": MISTAKES["fill_zero"],
                   "mask_after_softmax": MISTAKES["mask_after_softmax"], "triu_not_tril": "torch.tril",
                   "padding_on_query_axis": MISTAKES["mask_query_axis"], "scale_d_model": MISTAKES["scale_d_model"]},
    "enc_dec_attention": {"keys_from_decoder": MISTAKES["keys_from_decoder"],
                          "src_mask_on_query_axis": MISTAKES["mask_query_axis"],
                          "mask_inverted": MISTAKES["mask_inverted"], "scale_d_model": MISTAKES["scale_d_model"]},
    "transformer_masks": {"course_convention_causal": "tril of ones as src_mask blocks the past",
                          "padding_inverted": "True where the token IS padding",
                          "combine_without_inverting": "invert both", "causal_blocks_diagonal": "must see itself"},
}
CORRECT = {"ana_course_globals", "ben_explicit_args", "cho_einsum", "dan_sdpa", "ana_bool_masks", "ben_float_causal"}


@pytest.mark.parametrize("name", sorted(NAMED))
def test_validate_reference_template_and_mutants(name):
    proc = run_cli("validate", name)
    assert proc.returncode == 0, proc.stderr
    assert "full marks" in proc.stderr and "NOT" not in proc.stderr
    assert proc.stderr.count("caught by") == len(NAMED[name])


@pytest.mark.parametrize("name", sorted(NAMED))
def test_each_mutant_is_named_in_its_feedback(name, tmp_path):
    proc = run_cli("grade", ROOT / "reference" / name / "mutants", "--assignment", name, "--out", tmp_path)
    assert proc.returncode == 0, proc.stderr
    for mutant, words in NAMED[name].items():
        data = json.loads((tmp_path / name / mutant / "results.json").read_text())
        failed = [t for t in data["tests"] if t["status"] == "failed"]
        assert failed, mutant
        assert any(words in t["output"] for t in failed), (mutant, [t["output"] for t in failed])


@pytest.mark.parametrize("name", sorted(NAMED))
def test_sample_cohort(name, tmp_path):
    proc = run_cli("grade", ROOT / "submissions" / name, "--assignment", name, "--out", tmp_path)
    assert proc.returncode == 0, proc.stderr
    grades = pd.read_csv(tmp_path / "grades.csv").set_index("submission_id")
    assert (grades.status == "graded").all()
    for sid, row in grades.iterrows():
        if sid in CORRECT:
            assert row.score == row.max_score, sid
        else:
            assert 0 <= row.score < row.max_score, sid


def test_both_construction_styles_are_recognised(tmp_path):
    proc = run_cli("grade", ROOT / "reference" / "mha" / "mutants" / "scale_d_model.py",
                   ROOT / "submissions" / "mha" / "ben_explicit_args.ipynb", "--assignment", "mha", "--out", tmp_path)
    assert proc.returncode == 0
    globals_style = json.loads((tmp_path / "mha" / "scale_d_model" / "results.json").read_text())
    assert any("[course globals]" in t["output"] for t in globals_style["tests"])
