"""The course's approach: space-joined symbols, a look-around regex built with re.escape, vocabulary in a set."""
import re
from collections import Counter, defaultdict


def get_stats(vocab):
    pairs = defaultdict(int)
    for word, freq in vocab.items():
        symbols = word.split()
        for i in range(len(symbols) - 1):
            pairs[symbols[i], symbols[i + 1]] += freq
    return pairs


def merge_vocab(pair, v_in):
    v_out = {}
    bigram = re.escape(' '.join(pair))
    p = re.compile(r'(?<!\S)' + bigram + r'(?!\S)')
    merged = ''.join(pair)
    for word in v_in:
        w_out = p.sub(lambda m: merged, word)  # a function: a backslash in `merged` stays a backslash
        v_out[w_out] = v_in[word]
    return v_out


def build_bpe(corpus, max_vocab_size):
    PAD = BytePairEncoding.PAD_token
    UNK = BytePairEncoding.UNK_token
    CLS = BytePairEncoding.CLS_token
    SEP = BytePairEncoding.SEP_token
    MSK = BytePairEncoding.MSK_token
    SPECIAL = [PAD, UNK, CLS, SEP, MSK]
    WORD_END = BytePairEncoding.WORD_END

    vocab = {' '.join(list(word) + [WORD_END]): freq for word, freq in Counter(corpus).items()}
    idx2word = set()
    for word in vocab:
        idx2word.update(word.split())
    while len(idx2word) + len(SPECIAL) < max_vocab_size:
        pairs = get_stats(vocab)
        if not pairs:
            break
        best = max(pairs, key=pairs.get)
        vocab = merge_vocab(best, vocab)
        idx2word.add(''.join(best))
    return SPECIAL + sorted(idx2word, key=len, reverse=True)
