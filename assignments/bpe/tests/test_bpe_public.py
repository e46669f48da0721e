"""Public tests of the BPE assignment: the course's five checks, with messages that teach.

Vocabularies are checked by replaying BPE (``bpe_replay.py``, next to this file): any tie-break is accepted,
and a hint names a mistake only when your output is exactly what that mistake gives on that input.
"""
import importlib.util
import sys
from pathlib import Path

import pytest

from grader.testing import feedback

_PATH = Path(__file__).resolve().parent / "bpe_replay.py"


def _load():
    name = f"bpe_replay_{_PATH.stat().st_mtime_ns}"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, _PATH)
        sys.modules[name] = module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return sys.modules[name]


R = _load()
SPECIALS = list(R.SPECIALS)


@pytest.mark.points(1)
def test_specials_come_first(student):
    """The vocabulary starts with the five special tokens, in order (also when subwords are longer than them)."""
    for corpus, size in ((["abcde"], 15), (["low"] * 5 + ["lower"] * 2 + ["newest"] * 6 + ["widest"] * 3, 24)):
        vocab = R.call_bpe(student.build_bpe, corpus, size)
        if vocab[:5] != SPECIALS:
            break
    else:
        return
    present = [t for t in SPECIALS if t in vocab]
    if not present:
        raise feedback("The vocabulary must start with the five special tokens; none of them is in it.",
                       expected=SPECIALS, got=vocab[:5],
                       hint="use BytePairEncoding.PAD_token, UNK_token, CLS_token, SEP_token, MSK_token")
    where = {t: vocab.index(t) for t in present}
    raise feedback("The vocabulary must start with the special tokens, in this order; yours has "
                   + (f"{len(present)} of them, " if len(present) < 5 else "all five, ")
                   + f"at positions {where}.", expected=SPECIALS, got=vocab[:5])


@pytest.mark.points(1)
def test_sorted_by_length_longest_first(student):
    """After the specials, subwords are sorted by length, longest first."""
    vocab = R.call_bpe(student.build_bpe, ["abcde"], 15)
    rest = [t for t in vocab if t not in SPECIALS]
    lengths = [len(t) for t in rest]
    if lengths != sorted(lengths, reverse=True):
        raise feedback("Subwords must be sorted by length, longest first.", got=rest,
                       hint="sorted(subwords, key=len, reverse=True)" + (
                           " (yours are shortest first)" if lengths == sorted(lengths) else ""))


@pytest.mark.points(2)
def test_low_lower_newest_widest(student):
    """The classic corpus: frequent pairs are merged, rare ones are not."""
    corpus = ["low"] * 5 + ["lower"] * 2 + ["newest"] * 6 + ["widest"] * 3
    vocab = R.call_bpe(student.build_bpe, list(corpus), 24)
    got = R.subwords_of(vocab)
    must = {"est_", "low", "newest_", "i", "e", "n", "t", "d", "s", "o", "l", "r", "w", "_"}
    missing, wrong = R.by_length(must - got), R.by_length({"low_", "wi", "id"} & got)
    if missing or wrong:
        rule = R.diagnose(corpus, 24, got)
        raise feedback("On this corpus BPE learns " + ", ".join(map(repr, R.by_length(must)))
                       + " and not 'low_', 'wi' or 'id'."
                       + (f"\nMissing: {missing}" if missing else "")
                       + (f"\nNot frequent enough to be merged at this size: {wrong}" if wrong else ""),
                       hint=rule.hint if rule else None)
    R.check_valid(corpus, 24, vocab, "['low'] * 5 + ['lower'] * 2 + ['newest'] * 6 + ['widest'] * 3")


@pytest.mark.points(2)
def test_exact_vocabulary_aaaa_abab(student):
    """A small corpus whose vocabulary is known exactly."""
    R.check_exact(student.build_bpe, ["aaaaaaaaaaaa", "abababab"], 13, "['aaaaaaaaaaaa', 'abababab']")


@pytest.mark.points(1)
@pytest.mark.timeout(5)
def test_stops_when_no_pair_is_left(student):
    """With a huge max_vocab_size, merging stops once every word is a single subword."""
    vocab = R.call_bpe(student.build_bpe, ["abc", "bcd"], 10000)
    count = len(SPECIALS) + len(R.subwords_of(vocab))
    if count != 15:
        raise feedback("['abc', 'bcd'] with max_vocab_size=10000 gives 15 tokens (5 specials, 5 symbols, 5 merges); "
                       f"yours has {len(R.subwords_of(vocab))} subwords besides the specials.", expected=15, got=count)
    R.check_valid(["abc", "bcd"], 10000, vocab, "['abc', 'bcd']")
