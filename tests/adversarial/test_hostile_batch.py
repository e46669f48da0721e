"""CI: 200 honest submissions with 20 hostile ones mixed in score exactly as the 200 do alone.

Two assignments, each graded twice with 2 workers and the public tests only (cheap: the honest copies are
the samples that score full marks): 100 BPE copies (5 samples) and 100 multi-head attention copies (4
samples), each batch once alone and once with 10 hostile submissions named so that they sort among the
honest ones and share their chunks. The hostile ones are the channel and harness attacks
(``submissions/channel/bpe``, turned into ``MultiheadAttention`` for mha, with small payloads) and two older
attacks per assignment. The honest scores must be identical, and every hostile one gets a clear student status.
"""
import os
import re
import time

import pandas as pd
import pytest

from conftest import ROOT, run_cli

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the full sandbox needs root (CI runs as root)")
ATTACKS = ROOT / "tests" / "adversarial" / "submissions"
HONEST = {"bpe": ["alice_regex", "bob_incremental", "carol_tiebreak", "dave_script", "erin_magics"],
          "mha": ["ana_course_globals", "ben_explicit_args", "cho_einsum", "dan_sdpa"]}
OLDER = {"bpe": ["early_exit", "lying_values"], "mha": ["lying_nan", "lying_subclass"]}
SMALL = {"{LONG}": "A" * 4096, "{ITEMS}": "120000"}


def hostile_sources(assignment: str) -> dict[str, str]:
    out = {}
    for path in sorted((ATTACKS / "channel" / "bpe").glob("*.py")):
        text = path.read_text()
        for key, value in SMALL.items():
            text = text.replace(key, value)
        if assignment == "mha":  # the same attack, run when the grader builds the module
            text = re.sub(r"def build_bpe\(corpus, max_vocab_size\):", "def MultiheadAttention(*args, max_vocab_size="
                          "15, **kwargs):", text).replace("build_bpe = 5", "MultiheadAttention = 5")
        out[path.stem] = text
    for name in OLDER[assignment]:
        out[name] = (ATTACKS / assignment / f"{name}.py").read_text()
    return out


def cohort(base, assignment: str, hostile: bool):
    inputs = base / f"{assignment}-{'mixed' if hostile else 'honest'}"
    inputs.mkdir()
    samples = [next((ROOT / "submissions" / assignment).glob(f"{s}.*")) for s in HONEST[assignment]]
    for i in range(100):
        src = samples[i % len(samples)]
        (inputs / f"s{i:03d}_{src.stem}{src.suffix}").write_bytes(src.read_bytes())
    if hostile:
        for k, (name, text) in enumerate(hostile_sources(assignment).items()):
            (inputs / f"s{k * 10 + 5:03d}_x_{name}.py").write_text(text)  # every tenth, among the honest
    return inputs


def grade(base, assignment: str, hostile: bool) -> tuple[pd.DataFrame, float]:
    inputs = cohort(base, assignment, hostile)
    out = base / f"out-{inputs.name}"
    started = time.monotonic()
    proc = run_cli("grade", inputs, "--assignment", assignment, "--out", out, "--workers", "2", "--public-only",
                   timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return pd.read_csv(out / "grades.csv").set_index("submission_id"), time.monotonic() - started


@pytest.mark.parametrize("assignment", ["bpe", "mha"])
def test_hostile_submissions_change_no_honest_score(tmp_path, assignment):
    alone, t_alone = grade(tmp_path, assignment, hostile=False)
    mixed, t_mixed = grade(tmp_path, assignment, hostile=True)
    print(f"{assignment}: 100 honest alone {t_alone:.1f} s; with 10 hostile {t_mixed:.1f} s")
    honest = mixed.loc[alone.index]
    pd.testing.assert_frame_equal(honest[["score", "max_score", "status"]], alone[["score", "max_score", "status"]])
    assert (alone["score"] == alone["max_score"]).all() and (alone["status"] == "graded").all()
    hostile = mixed.drop(alone.index)
    assert len(hostile) == 10
    assert (hostile["status"] == "graded").all(), hostile["status"].to_dict()  # a student status, never ours
    assert (hostile["score"] < hostile["max_score"]).all()
