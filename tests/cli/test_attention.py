"""The attention assignments are fair: every correct solution (the sample cohort and the alternatives corpus,
written in every style the template leaves open) scores full marks; every mutant loses points with feedback that
names its bug; and no hint ever names a mistake the submission does not have."""
import json

import pandas as pd
import pytest
import torch

from grader.testing import attention as ac
from grader.testing.attention import MISTAKES

from conftest import ROOT, run_cli

M = MISTAKES
COMBINE, PADDING, COURSE_CAUSAL = ac.COMBINE_HINT, ac.PADDING_BLOCKED_HINT, ac.COURSE_CAUSAL_HINT
DIAGONAL = "position i must see itself: block only j > i (triu with diagonal=1)"
MAKE_MASK_OR = "combine the two masks with &: a position may attend only where both allow it"
# mutant -> the hints its feedback must contain (the first names the bug); no other hint may appear
HINTS = {
    "mha": {"scale_d_model": [M["scale_d_model"]], "no_scaling": [M["no_scale"]],
            "view_no_transpose": [M["view_no_transpose"]], "softmax_wrong_axis": [M["softmax_wrong_axis"]],
            "no_output_projection": [M["no_output_projection"]], "hardcoded_dims": [M["hardcoded"], M["scale_64"]]},
    "masked_mha": {"mask_inverted": [M["mask_inverted"]], "fill_zero": [M["fill_zero"]],
                   "mask_after_softmax": [M["mask_after_softmax"]], "scale_d_model": [M["scale_d_model"]],
                   "triu_not_tril": [ac.TRIL_HINT, "your make_mask is upper-triangular (triu): a position must see "
                                                   "itself and the past, which is torch.tril"],
                   "padding_on_query_axis": [M["mask_query_axis"]], "make_mask_or": [MAKE_MASK_OR],
                   "hardcoded_dims": [M["hardcoded"], M["scale_64"]]},
    "enc_dec_attention": {"keys_from_decoder": [M["keys_from_decoder"]], "src_mask_on_query_axis": [M["mask_query_axis"]],
                          "mask_inverted": [M["mask_inverted"]], "scale_d_model": [M["scale_d_model"]],
                          "fill_zero": [M["fill_zero"]], "kv_split_with_query_length": [M["query_length"]],
                          "hardcoded_dims": [M["hardcoded"], M["scale_64"]]},
    "transformer_masks": {"course_convention_causal": [COURSE_CAUSAL], "padding_inverted": [PADDING],
                          "combine_without_inverting": [COMBINE], "causal_blocks_diagonal": [DIAGONAL],
                          "float_mask_ones": []},
}
# what the feedback of a mutant without a hint must say instead
SAYS = {"float_mask_ones": "a float mask must hold 0 where attention is allowed and -inf where it is blocked"}
CORRECT = {"ana_course_globals", "ben_explicit_args", "cho_einsum", "dan_sdpa", "ana_bool_masks", "ben_float_causal"}


def results(out, name):
    return {p.parent.name: json.loads(p.read_text()) for p in (out / name).glob("*/results.json")}


@pytest.fixture(scope="module", params=sorted(HINTS))
def graded(request, tmp_path_factory):
    """Mutants and alternatives of one assignment, graded once with the real CLI."""
    name = request.param
    out = tmp_path_factory.mktemp(f"attn-{name}")
    folder = ROOT / "reference" / name
    proc = run_cli("grade", folder / "mutants", folder / "alternatives", "--assignment", name, "--out", out)
    assert proc.returncode == 0, proc.stderr
    return name, out


def hints_in(data) -> list[str]:
    return [line[len("Hint: "):] for t in data["tests"] for line in t["output"].split("\n") if line.startswith("Hint: ")]


@pytest.mark.parametrize("name", sorted(HINTS))
def test_validate_reference_template_and_mutants(name):
    proc = run_cli("validate", name)
    assert proc.returncode == 0, proc.stderr
    assert "full marks" in proc.stderr and "NOT" not in proc.stderr
    assert proc.stderr.count("caught by") == len(HINTS[name])


def test_every_alternative_scores_full_marks(graded):
    name, out = graded
    alternatives = sorted(p.stem for p in (ROOT / "reference" / name / "alternatives").glob("*.*"))
    assert len(alternatives) >= 6
    grades = pd.read_csv(out / "grades.csv").set_index("submission_id")
    for sid in alternatives:
        row = grades.loc[sid]
        assert row.status == "graded" and row.score == row.max_score, (sid, results(out, name)[sid]["tests"])


def test_each_mutant_loses_points_and_is_named(graded):
    name, out = graded
    data = results(out, name)
    for mutant, hints in HINTS[name].items():
        failed = [t for t in data[mutant]["tests"] if t["status"] == "failed"]
        assert failed, mutant
        text = "\n".join(t["output"] for t in failed)
        assert (hints[0] if hints else SAYS[mutant]) in text, (mutant, text)


def test_no_hint_names_a_mistake_the_submission_does_not_have(graded):
    """A correct part never gets a hint about itself: each mutant's hints are all about its own bug, and a correct
    solution, however written, gets none."""
    name, out = graded
    for sid, data in results(out, name).items():
        allowed = set(HINTS[name].get(sid, []))
        assert set(hints_in(data)) <= allowed, (sid, set(hints_in(data)) - allowed)


def test_expected_and_got_never_print_the_same(graded):
    name, out = graded
    for sid, data in results(out, name).items():
        for t in data["tests"]:
            lines = t["output"].split("\n")
            expected = [line[len("Expected: "):] for line in lines if line.startswith("Expected: ")]
            got = [line[len("Got:      "):] for line in lines if line.startswith("Got:      ")]
            assert not set(expected) & set(got), (sid, t["name"], expected)


@pytest.mark.parametrize("name", sorted(HINTS))
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


def test_hardcoded_module_earns_the_course_shape_points(tmp_path):
    """Hard-coded to 512/8/64: full points at the course's sizes, a confirmed 'hard-coded' hint elsewhere."""
    proc = run_cli("grade", ROOT / "reference" / "mha" / "mutants" / "hardcoded_dims.py", "--assignment", "mha",
                   "--out", tmp_path)
    assert proc.returncode == 0
    tests = {t["name"].split(":")[0]: t for t in
             json.loads((tmp_path / "mha" / "hardcoded_dims" / "results.json").read_text())["tests"]}
    assert tests["test_values_course_shapes"]["score"] == 2 and tests["test_attention_weights_course_shapes"]["score"] == 1
    assert M["hardcoded"] in tests["test_output_shape"]["output"]


# ---------------------------------------------------------------- the helpers, in the parent (no sandbox)

def test_expect_close_names_a_mistake_only_when_its_output_matches():
    torch.manual_seed(0)
    state = {f"{n}.{p}": torch.randn(8, 8) if p == "weight" else torch.randn(8) for n in ("w_q", "w_k", "w_v", "w_0")
             for p in ("weight", "bias")}
    x = torch.randn(2, 3, 8)
    expected = ac.reference_attention(state, x, x, x, None, 2)
    variants = ac.variants(state, x, x, x, None, 2, ("scale_d_model", "softmax_wrong_axis"))
    with pytest.raises(AssertionError) as wrong:
        ac.expect_close(expected + 0.01, expected, "out", variants)
    assert "Hint" not in str(wrong.value) and "largest difference" in str(wrong.value)
    with pytest.raises(AssertionError) as named:
        ac.expect_close(variants["scale_d_model"], expected, "out", variants)
    assert M["scale_d_model"] in str(named.value)
    assert ac.expect_close(expected + 1e-7, expected, "out", variants) is not None


def test_mask_feedback_never_prints_identical_expected_and_got():
    expected = torch.tril(torch.ones(1, 12, 12, dtype=torch.bool))
    got = expected.clone()
    got[0, 11, 10] = False  # one position off, far into a long mask
    with pytest.raises(AssertionError) as exc:
        ac.expect_mask(got, expected, "make_nopeak_mask(12)", ac.nopeak_variants(12))
    text = str(exc.value)
    assert "first at [0, 11, 10]: expected True, got False" in text and "Hint" not in text
    lines = {line[:9]: line[10:] for line in text.split("\n") if line.startswith(("Expected:", "Got:"))}
    assert not lines or lines["Expected:"] != lines["Got:     "]
    assert ac.expect_mask(expected.int(), expected, "int mask") is not None  # 0/1 ints are a mask too


def test_weights_are_loaded_by_structure():
    from grader.testing.attention_modules import _by_structure

    D = 8
    state = {f"{n}.{p}": torch.full((D, D) if p == "weight" else (D,), float(i))
             for i, n in enumerate(("w_q", "w_k", "w_v", "w_0")) for p in ("weight", "bias")}
    linears = {f"linears.{i}.{p}": torch.zeros((D, D) if p == "weight" else (D,)) for i in range(4)
               for p in ("weight", "bias")}
    mapped, how = _by_structure(linears, state)
    assert torch.equal(mapped["linears.3.weight"], state["w_0.weight"]) and "w_0→linears.3" in how
    heads = {f"heads.{h}.{r}.{p}": torch.zeros((4, D) if p == "weight" else (4,)) for h in range(2)
             for r in ("query", "key", "value") for p in ("weight", "bias")}
    heads |= {"w_0.weight": torch.zeros(D, D), "w_0.bias": torch.zeros(D)}
    mapped, how = _by_structure(heads, state)
    assert torch.equal(mapped["heads.1.key.weight"], state["w_k.weight"][4:]) and "2 heads" in how
    assert _by_structure({"w.weight": torch.zeros(D, D), "w.bias": torch.zeros(D)}, state) is None


def test_transformer_masks_accept_every_blocking_form():
    future = torch.triu(torch.ones(3, 3, dtype=torch.bool), diagonal=1)
    for mask in (future, torch.zeros(3, 3).masked_fill(future, float("-inf")),
                 torch.zeros(3, 3).masked_fill(future, -1e9)):
        assert torch.equal(ac.as_blocked(mask, "m"), future)
    with pytest.raises(AssertionError, match="-inf where it is blocked"):
        ac.as_blocked(future.float(), "m")
