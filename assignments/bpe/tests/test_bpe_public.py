"""Public tests of the BPE assignment: the course's five checks, with messages that teach."""
import pytest

from grader.testing import expect_list_of_str, feedback

SPECIALS = ["<pad>", "<unk>", "<cls>", "<sep>", "<msk>"]


@pytest.mark.points(1)
def test_specials_come_first(student):
    """The vocabulary starts with the five special tokens, in order."""
    vocab = expect_list_of_str(student.build_bpe(["abcde"], max_vocab_size=15), "build_bpe")
    if vocab[:5] != SPECIALS:
        raise feedback("The vocabulary must start with the special tokens, in this order.",
                       expected=SPECIALS, got=vocab[:5],
                       hint="use BytePairEncoding.PAD_token, UNK_token, CLS_token, SEP_token, MSK_token")


@pytest.mark.points(1)
def test_sorted_by_length_longest_first(student):
    """After the specials, subwords are sorted by length, longest first."""
    vocab = expect_list_of_str(student.build_bpe(["abcde"], max_vocab_size=15), "build_bpe")
    rest = [t for t in vocab if t not in SPECIALS]
    lengths = [len(t) for t in rest]
    if lengths != sorted(lengths, reverse=True):
        raise feedback("Subwords must be sorted by length, longest first.", got=rest,
                       hint="sorted(subwords, key=len, reverse=True)")


@pytest.mark.points(2)
def test_low_lower_newest_widest(student):
    """The classic corpus: frequent pairs are merged, rare ones are not."""
    corpus = ["low"] * 5 + ["lower"] * 2 + ["newest"] * 6 + ["widest"] * 3
    vocab = set(expect_list_of_str(student.build_bpe(corpus, max_vocab_size=24), "build_bpe"))
    must = {"est_", "low", "newest_", "i", "e", "n", "t", "d", "s", "o", "l", "r", "w", "_"}
    missing = sorted(must - vocab)
    if missing:
        raise feedback("Some subwords that BPE must learn on this corpus are missing.", expected=missing,
                       got=sorted(vocab - set(SPECIALS)),
                       hint="every word ends with '_' before merging ('est_' and 'newest_' need it)"
                       if "_" in missing or "est_" in missing else None)
    wrong = sorted({"low_", "wi", "id"} & vocab)
    if wrong:
        raise feedback("These subwords are not frequent enough to be merged at this vocabulary size.",
                       got=wrong, hint="merge the single most frequent pair at each step, counting word frequencies")


@pytest.mark.points(2)
def test_exact_vocabulary_aaaa_abab(student):
    """A small corpus whose vocabulary is known exactly."""
    vocab = expect_list_of_str(student.build_bpe(["aaaaaaaaaaaa", "abababab"], max_vocab_size=13), "build_bpe")
    expected = {"aaaaaaaa", "aaaa", "abab", "aa", "ab", "a", "b", "_"}
    got = set(vocab) - set(SPECIALS)
    if got != expected:
        raise feedback("The vocabulary of ['aaaaaaaaaaaa', 'abababab'] with max_vocab_size=13 is wrong.",
                       expected=sorted(expected, key=len, reverse=True), got=sorted(got, key=len, reverse=True))


@pytest.mark.points(1)
@pytest.mark.timeout(5)
def test_stops_when_no_pair_is_left(student):
    """With a huge max_vocab_size, merging stops once every word is a single subword."""
    vocab = expect_list_of_str(student.build_bpe(["abc", "bcd"], max_vocab_size=10000), "build_bpe")
    if len(vocab) != 15:
        raise feedback("['abc', 'bcd'] with max_vocab_size=10000 gives 15 tokens (5 specials, 5 symbols, 5 merges).",
                       expected=15, got=len(vocab))
