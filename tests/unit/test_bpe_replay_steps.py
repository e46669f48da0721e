"""The BPE replay's incremental step gives what counting afresh gives: the same words, the same pair counts,
and ties listed in the same order (the order decides ``produce``'s tie-break and the search's order)."""
import importlib.util
import random
import sys

import pytest

from conftest import ROOT

_PATH = ROOT / "assignments" / "bpe" / "tests" / "bpe_replay.py"


@pytest.fixture(scope="module")
def R():
    spec = importlib.util.spec_from_file_location("bpe_replay_steps", _PATH)
    module = sys.modules["bpe_replay_steps"] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _corpora():
    rng = random.Random(7)
    for _ in range(40):
        alphabet = rng.choice(["ab", "abc", "abcd", "a.(b", "xyzw"])
        yield [("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 7)))) for _ in range(rng.randint(3, 25))]


def test_a_step_counts_what_counting_afresh_counts(R):
    checked = 0
    for corpus in _corpora():
        for rule in (R.BPE, *R.RULES):
            words = R.segment(corpus, rule)
            pairs = R._pairs(words, rule.count)
            for _ in range(12):
                if not pairs:
                    break
                best = R._best(words, pairs)
                fresh = R._pairs(words, rule.count)
                top = max(fresh.values())
                assert best == [p for p, c in fresh.items() if c == top]  # _pairs' own order
                try:
                    stepped = R._step(words, pairs, best[-1], rule)
                except R.re.error:
                    break  # the no-re.escape bug raises, as its merge does
                assert stepped[0] == R._apply(words, best[-1], rule)
                assert stepped[1] == R._pairs(stepped[0], rule.count)
                words, pairs = stepped
                checked += 1
    assert checked > 1000
