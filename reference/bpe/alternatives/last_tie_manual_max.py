"""A manual max loop with >= (ties go to the pair counted last), pairwise, and a vocabulary of merges."""
from collections import Counter
from itertools import pairwise


def build_bpe(corpus, max_vocab_size):
    specials = [BytePairEncoding.PAD_token, BytePairEncoding.UNK_token, BytePairEncoding.CLS_token,
                BytePairEncoding.SEP_token, BytePairEncoding.MSK_token]
    words = [(tuple(w) + ('_',), n) for w, n in Counter(corpus).items()]
    alphabet = sorted({s for w, _ in words for s in w})
    merges = []
    while len(specials) + len(alphabet) + len(merges) < max_vocab_size:
        stats = {}
        for w, n in words:
            for p in pairwise(w):
                stats[p] = stats.get(p, 0) + n
        best, best_n = None, 0
        for p, n in stats.items():
            if n >= best_n:
                best, best_n = p, n
        if best is None:
            break
        words = [(_merge(w, best), n) for w, n in words]
        new = best[0] + best[1]
        if new not in merges and new not in alphabet:
            merges.append(new)
    return specials + sorted(alphabet + merges, key=lambda t: -len(t))


def _merge(word, pair):
    out = []
    skip = False
    for i, s in enumerate(word):
        if skip:
            skip = False
            continue
        if i + 1 < len(word) and (s, word[i + 1]) == pair:
            out.append(s + word[i + 1])
            skip = True
        else:
            out.append(s)
    return tuple(out)
