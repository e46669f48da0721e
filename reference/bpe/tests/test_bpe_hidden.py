"""Hidden tests of the BPE assignment.

Exact vocabularies are checked by *replaying* BPE on the corpus: at every step any of the most
frequent pairs may be merged (ties are free), pruned by the student's own vocabulary, so no check
depends on the reference's tie-break.
"""
from collections import Counter

import pytest

from grader.testing import OneShot, expect_list_of_str, feedback

SPECIALS = ["<pad>", "<unk>", "<cls>", "<sep>", "<msk>"]


def _merge(word, pair):
    out, i = [], 0
    while i < len(word):
        if i + 1 < len(word) and (word[i], word[i + 1]) == pair:
            out.append(word[i] + word[i + 1])
            i += 2
        else:
            out.append(word[i])
            i += 1
    return tuple(out)


def bpe_accepts(corpus, max_vocab_size, subwords: set, budget: int = 20000) -> bool:
    """True if some sequence of tie-break choices makes BPE produce exactly ``subwords``."""
    words = Counter(tuple(w) + ("_",) for w in corpus)
    start = {s for w in words for s in w}
    if not start <= subwords:
        return False
    seen = set()

    def search(segmented, tokens):
        nonlocal budget
        budget -= 1
        if budget < 0:
            return False
        key = (frozenset(segmented.items()), frozenset(tokens))
        if key in seen:
            return False
        seen.add(key)
        if len(SPECIALS) + len(tokens) >= max_vocab_size:
            return tokens == subwords
        pairs = Counter()
        for w, c in segmented.items():
            for p in zip(w, w[1:]):
                pairs[p] += c
        if not pairs:
            return tokens == subwords
        top = max(pairs.values())
        for pair in [p for p, c in pairs.items() if c == top and p[0] + p[1] in subwords]:
            merged = {}
            for w, c in segmented.items():
                merged[_merge(w, pair)] = c
            if search(merged, tokens | {pair[0] + pair[1]}):
                return True
        return False

    return search(dict(words), frozenset(start))


def check_exact(student, corpus, max_vocab_size, label,
                hint="count pairs weighted by word frequency, merge the most frequent one, repeat"):
    vocab = expect_list_of_str(student.build_bpe(list(corpus), max_vocab_size=max_vocab_size), "build_bpe")
    subwords = set(vocab) - set(SPECIALS)
    if not bpe_accepts(corpus, max_vocab_size, subwords):
        raise feedback(f"The vocabulary for {label} (max_vocab_size={max_vocab_size}) is not one BPE can produce.",
                       got=sorted(subwords, key=len, reverse=True), hint=hint)
    return vocab


_WORDS = ("the of and to in is was he for it with as his on be at by had are but from or have an they which "
        "one you were all we her she there would their been has when who will more no if out so up said what "
        "its about than into them can only other time new some could these two may first then do any like my "
        "now over such our man me even most made after also did many off before must well back through years "
        "where much your way down should because long each just those people state good very make world still "
        "own see men work transformer attention encoder decoder embedding tokenizer").split()
LARGE_CORPUS = [_WORDS[(i * 7919) % len(_WORDS)] + ("s" if i % 11 == 0 else "") for i in range(20000)]


CORPORA = {
    "hug/pug/pun/bun/hugs": (["hug"] * 10 + ["pug"] * 5 + ["pun"] * 12 + ["bun"] * 4 + ["hugs"] * 5, 20),
    "the quick brown fox": ("the quick brown fox jumps over the lazy dog the end".split(), 40),
    "banana bandana": (["banana", "bandana", "ban", "nab"] * 3, 18),
    "repeated letters": (["aaaa", "aaab", "abbb", "bbbb"], 14),
}


@pytest.mark.points(1)
@pytest.mark.parametrize("label", sorted(CORPORA))
def test_exact_vocabularies(student, label):
    """Several corpora whose vocabularies are checked exactly (any tie-break accepted)."""
    corpus, size = CORPORA[label]
    check_exact(student, corpus, size, label)


@pytest.mark.points(2)
def test_ties_any_choice_is_accepted(student):
    """Equally frequent pairs: whichever the student merges first is accepted."""
    check_exact(student, ["ab", "cd", "ef", "gh"], 9, "['ab', 'cd', 'ef', 'gh']")
    check_exact(student, ["xyxy", "yzyz"], 10, "['xyxy', 'yzyz']")


@pytest.mark.points(1)
def test_size_is_exactly_max_while_pairs_remain(student):
    """The vocabulary grows to exactly max_vocab_size when pairs remain, never past it."""
    corpus = "she sells sea shells by the sea shore".split()
    for size in (17, 20, 24):
        vocab = expect_list_of_str(student.build_bpe(corpus, max_vocab_size=size), "build_bpe")
        if len(vocab) != size:
            raise feedback(f"With pairs left to merge, the vocabulary must have exactly max_vocab_size={size} "
                           "tokens (specials included).", expected=size, got=len(vocab),
                           hint="count the five specials in the size, and stop as soon as the size is reached")


@pytest.mark.points(1)
@pytest.mark.timeout(5)
def test_stops_cleanly_when_no_pair_is_left(student):
    """A corpus that runs out of pairs long before max_vocab_size."""
    corpus = ["ab"] * 3 + ["a"]
    vocab = expect_list_of_str(student.build_bpe(corpus, max_vocab_size=500), "build_bpe")
    if len(vocab) != 11 or not bpe_accepts(corpus, 500, set(vocab) - set(SPECIALS)):
        raise feedback("Every word becomes one subword, and then merging stops: 5 specials, 3 symbols and "
                       "3 merges.", expected=11, got=vocab)


@pytest.mark.points(1)
def test_no_duplicates(student):
    """Every symbol and every merge appears once, however many words contain it."""
    vocab = check_exact(student, ["aab", "aab", "abb", "aab", "ab", "ba"], 13, "['aab', 'abb', 'ab', 'ba', ...]")
    dupes = sorted(t for t, n in Counter(vocab).items() if n > 1)
    if dupes:
        raise feedback("Some subwords appear more than once.", got=dupes,
                       hint="add each character once, not once per word it appears in")


@pytest.mark.points(1)
def test_same_vocabulary_under_any_hash_seed(student):
    """The vocabulary must not depend on PYTHONHASHSEED (set or dict-of-set iteration order)."""
    corpus = "to be or not to be that is the question whether tis nobler in the mind".split()
    results = [expect_list_of_str(student.build_bpe(corpus, 40), "build_bpe"),
               expect_list_of_str(student._grader_fresh(hash_seed=1).build_bpe(corpus, 40), "build_bpe")]
    if len(set(results[0]) - set(SPECIALS)) < 10:
        raise feedback("build_bpe must return a vocabulary (here about 35 subwords) to be compared across seeds.",
                       got=results[0])
    if results[0] != results[1]:
        raise feedback("build_bpe gave different vocabularies in fresh interpreters with different hash seeds.",
                       hint="iterating a set (or picking max over one) depends on string hashing; break ties "
                            "by something deterministic, such as the order pairs were first seen")


@pytest.mark.points(1)
def test_non_ascii_words(student):
    """Korean words are sequences of characters like any others."""
    check_exact(student, ["안녕하세요", "안녕", "하세요", "안녕"] * 2, 16, "Korean words")


@pytest.mark.points(1)
@pytest.mark.timeout(20)
def test_large_corpus_finishes_in_time(student):
    """About 20,000 words (with repeats, as real text has) within the time limit."""
    corpus = LARGE_CORPUS
    vocab = expect_list_of_str(student.build_bpe(corpus, max_vocab_size=120), "build_bpe")
    if len(vocab) != 120 or len(set(vocab)) != 120:
        raise feedback("On a 20,000-word corpus the vocabulary must have 120 distinct tokens.",
                       expected=120, got=len(set(vocab)),
                       hint="count word frequencies once (Counter(corpus)) instead of looping over 20,000 words "
                            "at every merge")


@pytest.mark.points(1)
def test_generator_corpus(student):
    """The corpus may be any iterable of words, not only a list (graded with a one-shot generator)."""
    corpus = ["low"] * 5 + ["lower"] * 2 + ["newest"] * 6 + ["widest"] * 3
    vocab = expect_list_of_str(student.build_bpe(OneShot(tuple(corpus)), 24), "build_bpe")
    if not {"est_", "low", "newest_"} <= set(vocab):
        raise feedback("Given the corpus as a generator, build_bpe must give the same result as for a list.",
                       hint="iterate the corpus once (Counter(corpus)); do not index it or call len() on it")


@pytest.mark.points(1)
def test_corpus_is_not_mutated(student):
    """The caller's list is left exactly as it was."""
    corpus = ["lower", "low", "newest", "widest", "low"]
    result, (after, _) = student._grader_call_and_args("build_bpe", corpus, 20)
    expect_list_of_str(result, "build_bpe")
    if len(result) < 10:
        raise feedback("build_bpe must return the vocabulary (about 20 tokens here) as well as leave its input "
                       "alone.", got=result)
    if after != corpus:
        raise feedback("build_bpe changed the list it was given.", expected=corpus, got=after,
                       hint="work on a copy, or better, count words with Counter(corpus)")


@pytest.mark.points(2)
def test_merges_respect_symbol_boundaries(student):
    """Merging ('b', 'c') must not glue the 'b' inside the symbol 'ab' to a following 'c'."""
    corpus = ["ab"] * 20 + ["abc"] + ["bc"] * 10
    check_exact(student, corpus, 14, "['ab']*20 + ['abc'] + ['bc']*10",
                hint="merging ('b', 'c_') with a plain str.replace('b c_', 'bc_') also rewrites 'ab c_' into one "
                     "symbol, so the pair ('ab', 'c_') disappears; merge on lists of symbols, or use a regex with "
                     "(?<!\\S) and (?!\\S) around the pair")
