"""Hidden tests of the BPE assignment.

Every vocabulary is checked by *replaying* BPE on the corpus (``bpe_replay.accepts``): at every step any
of the most frequent pairs may be merged, so no check depends on one tie-break, and a property (size, no
duplicates, generator input, ...) earns its points only when the vocabulary is also one BPE can produce.
A hint names a bug only when the output is exactly that bug's on that input (``bpe_replay.diagnose``).
"""
import importlib.util
import sys
from pathlib import Path

import pytest

from grader.testing import OneShot, feedback

_PATH = Path(__file__).resolve().parents[3] / "assignments" / "bpe" / "tests" / "bpe_replay.py"


def _load():
    name = f"bpe_replay_{_PATH.stat().st_mtime_ns}"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, _PATH)
        sys.modules[name] = module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return sys.modules[name]


R = _load()
SPECIALS = list(R.SPECIALS)

_WORDS = ("the of and to in is was he for it with as his on be at by had are but from or have an they which "
          "one you were all we her she there would their been has when who will more no if out so up said what "
          "its about than into them can only other time new some could these two may first then do any like my "
          "now over such our man me even most made after also did many off before must well back through years "
          "where much your way down should because long each just those people state good very make world still "
          "own see men work transformer attention encoder decoder embedding tokenizer").split()
SMALL_CORPUS = [_WORDS[(i * 7919) % len(_WORDS)] + ("s" if i % 11 == 0 else "") for i in range(2000)]
LARGE_CORPUS = SMALL_CORPUS * 10  # the same distinct words and proportions, ten times the words

CONSISTENCY = ("consistency is the key to success. checking is consistent. consistency checks consist of "
               "checking.").split()

CORPORA = {
    "hug/pug/pun/bun/hugs": (["hug"] * 10 + ["pug"] * 5 + ["pun"] * 12 + ["bun"] * 4 + ["hugs"] * 5, 20),
    "the quick brown fox": ("the quick brown fox jumps over the lazy dog the end".split(), 40),
    "banana bandana": (["banana", "bandana", "ban", "nab"] * 3, 18),
    "repeated letters": (["aaaa", "aaab", "abbb", "bbbb"], 14),
    "the consistency sentence": (CONSISTENCY, 40),
}


@pytest.mark.points(1)
@pytest.mark.parametrize("label", sorted(CORPORA))
def test_exact_vocabularies(student, label):
    """Several corpora whose vocabularies are checked exactly (any tie-break accepted)."""
    corpus, size = CORPORA[label]
    R.check_exact(student.build_bpe, corpus, size, repr(label))


@pytest.mark.points(2)
def test_ties_any_choice_is_accepted(student):
    """Equally frequent pairs, with room for several merges: whichever the student merges first is accepted."""
    R.check_exact(student.build_bpe, ["xyxy", "yzyz"], 10, "['xyxy', 'yzyz']")
    R.check_exact(student.build_bpe, ["ab", "cd", "ef", "gh"], 18, "['ab', 'cd', 'ef', 'gh']")
    R.check_exact(student.build_bpe, ["abcab", "bcabc", "cabca"], 15, "['abcab', 'bcabc', 'cabca']")


@pytest.mark.points(1)
def test_alphabet_larger_than_the_budget(student):
    """Every character stays, even past max_vocab_size; merging starts only below the size."""
    corpus = ["ab", "cd", "ef", "gh"]
    symbols = set("abcdefgh_")
    for size in (9, 14):
        vocab = R.call_bpe(student.build_bpe, list(corpus), size)
        got = R.subwords_of(vocab)
        missing, merged = R.by_length(symbols - got), R.by_length(got - symbols)
        if missing:
            cut = " (your vocabulary has exactly max_vocab_size tokens: it was cut)" if len(vocab) == size else ""
            raise feedback(f"With max_vocab_size={size}, the 9 symbols of {corpus} (with '_') and the specials already "
                           f"exceed the size; every symbol must still be in the vocabulary{cut}.",
                           got=vocab, hint=None)
        if merged:
            raise feedback(f"With max_vocab_size={size}, the symbols of {corpus} and the specials already fill the "
                           f"size: no merge may happen, but these appear: {merged}.")
    R.check_exact(student.build_bpe, corpus, 15, f"{corpus}")


@pytest.mark.points(1)
def test_size_is_exactly_max_while_pairs_remain(student):
    """The vocabulary grows to exactly max_vocab_size (specials included) when pairs remain, never past it."""
    corpus = "she sells sea shells by the sea shore".split()
    for size in (17, 20, 24):
        vocab = R.call_bpe(student.build_bpe, list(corpus), size)
        count = len(SPECIALS) + len(R.subwords_of(vocab))
        if count != size:
            raise feedback(f"With pairs left to merge, the vocabulary must reach exactly max_vocab_size={size} "
                           f"tokens, the five specials included; yours has {len(R.subwords_of(vocab))} subwords "
                           f"besides the specials, so {count} with them.", expected=size, got=count)
        R.check_valid(corpus, size, vocab, "'she sells sea shells by the sea shore'")


@pytest.mark.points(1)
@pytest.mark.timeout(5)
def test_stops_cleanly_when_no_pair_is_left(student):
    """A corpus that runs out of pairs long before max_vocab_size."""
    corpus = ["ab"] * 3 + ["a"]
    vocab = R.call_bpe(student.build_bpe, list(corpus), 500)
    count = len(SPECIALS) + len(R.subwords_of(vocab))
    if count != 11:
        raise feedback("Every word becomes one subword, and then merging stops: 5 specials, 3 symbols and "
                       "3 merges.", expected=11, got=count)
    R.check_valid(corpus, 500, vocab, "['ab', 'ab', 'ab', 'a']")


@pytest.mark.points(1)
def test_no_duplicates(student):
    """Every symbol and every merge appears once, however many words contain it."""
    R.check_exact(student.build_bpe, ["aab", "aab", "abb", "aab", "ab", "ba"], 13, "['aab', 'abb', 'ab', 'ba', ...]")


@pytest.mark.points(1)
def test_same_vocabulary_under_any_hash_seed(student):
    """The vocabulary must not depend on PYTHONHASHSEED; the order inside one length is free."""
    corpus = "to be or not to be that is the question whether tis nobler in the mind".split()
    label = "'to be or not to be ... in the mind'"
    first = R.check_exact(student.build_bpe, corpus, 40, label)
    second = R.check_exact(student._grader_fresh(hash_seed=1).build_bpe, corpus, 40, label + " (hash seed 1)")
    if R.length_runs(first) == R.length_runs(second):
        return
    only0, only1 = R.by_length(set(first) - set(second)), R.by_length(set(second) - set(first))
    if only0 or only1:
        raise feedback("In fresh interpreters with hash seeds 0 and 1, build_bpe returned different subwords: "
                       f"only with seed 0: {only0}; only with seed 1: {only1}.", hint=R.HINTS["hash_order"])
    raise feedback("In fresh interpreters with hash seeds 0 and 1, build_bpe returned the same tokens, but in an "
                   "order that differs beyond the order among tokens of one length (which is free).",
                   expected=first, got=second)


@pytest.mark.points(1)
def test_non_ascii_words(student):
    """Korean words are sequences of characters like any others."""
    R.check_exact(student.build_bpe, ["안녕하세요", "안녕", "하세요", "안녕"] * 2, 16, "Korean words")


@pytest.mark.points(1)
@pytest.mark.timeout(20)
def test_large_corpus_finishes_in_time(student):
    """20,000 words (200 distinct, with repeats, as real text has) within the time limit."""
    try:
        vocab = R.call_bpe(student.build_bpe, LARGE_CORPUS, 120)
    except AssertionError as exc:
        if "did not finish in time" not in str(exc):
            raise
        try:
            small = R.call_bpe(student.build_bpe, SMALL_CORPUS, 120)
            R.check_valid(SMALL_CORPUS, 120, small, "the 2,000-word corpus")
        except AssertionError:
            raise exc from None
        raise feedback(f"{exc}\nThe 2,000-word corpus with the same distinct words finished in time.",
                       hint=R.HINTS["corpus_length"]) from None
    R.check_valid(LARGE_CORPUS, 120, vocab, "the 20,000-word corpus")


@pytest.mark.points(1)
def test_generator_corpus(student):
    """The corpus may be any iterable of words, not only a list (graded with a one-shot generator)."""
    corpus = ["low"] * 5 + ["lower"] * 2 + ["newest"] * 6 + ["widest"] * 3
    try:
        vocab = R.call_bpe(student.build_bpe, OneShot(tuple(corpus)), 24, hint_corpus=corpus)
    except AssertionError as exc:
        text = str(exc)
        if "'generator' has no len()" in text or "'generator' object is not subscriptable" in text:
            raise feedback(f"Given the corpus as a generator, build_bpe failed:\n{text}",
                           hint=R.HINTS["len_generator"]) from None
        raise
    try:
        R.check_valid(corpus, 24, vocab, "['low'] * 5 + ['lower'] * 2 + ... (as a generator)")
    except AssertionError as exc:
        as_list = R.call_bpe(student.build_bpe, list(corpus), 24)
        if R.length_runs(as_list) != R.length_runs(vocab) and R.accepts(corpus, 24, R.subwords_of(as_list)):
            raise feedback(f"{exc}\nThe same words as a list give a correct vocabulary.",
                           hint=R.HINTS["generator_differs"]) from None
        raise


@pytest.mark.points(1)
def test_corpus_is_not_mutated(student):
    """The caller's list is left exactly as it was."""
    corpus = ["lower", "low", "newest", "widest", "low"]
    result, (after, _) = student._grader_call_and_args("build_bpe", corpus, 20)
    vocab = R.call_bpe(lambda *_: result, corpus, 20)
    if after != corpus:
        if sorted(after) == sorted(corpus):
            how, hint = "the same words in another order", (R.HINTS["sorted_in_place"] if after == sorted(corpus)
                                                           else None)
        else:
            how, hint = "different words", None
        raise feedback(f"build_bpe changed the list it was given ({how}).", expected=corpus, got=after, hint=hint)
    R.check_valid(corpus, 20, vocab, repr(corpus))


@pytest.mark.points(2)
def test_merges_respect_symbol_boundaries(student):
    """Merging ('b', 'c_') must not glue the 'b' inside the symbol 'ab' to a following 'c_'."""
    R.check_exact(student.build_bpe, ["ab"] * 20 + ["abc"] + ["bc"] * 10, 14, "['ab']*20 + ['abc'] + ['bc']*10")


@pytest.mark.points(2)
def test_punctuation_and_regex_metacharacters(student):
    """Words with '.', '(', ')', '+', '*', '?', '[' and ']' are characters like any others."""
    corpus = "f(x) = (a+b)*c? [x] a.b c++ (x+y) x*y why? [1] 1.5 g(f(x))".split()
    R.check_exact(student.build_bpe, corpus, 40, repr(" ".join(corpus)))
