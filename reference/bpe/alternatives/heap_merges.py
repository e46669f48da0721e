"""A max-heap of pair counts with lazy deletion; ties go to the pair seen last (a different tie-break)."""
import heapq
from collections import Counter


def _count(words):
    stats = {}
    for w, n in words.items():
        for p in zip(w, w[1:]):
            stats[p] = stats.get(p, 0) + n
    return stats


def build_bpe(corpus, max_vocab_size):
    specials = [BytePairEncoding.PAD_token, BytePairEncoding.UNK_token, BytePairEncoding.CLS_token,
                BytePairEncoding.SEP_token, BytePairEncoding.MSK_token]
    words = {tuple(w) + ('_',): n for w, n in Counter(corpus).items()}
    tokens = list(dict.fromkeys(s for w in words for s in w))
    have = set(tokens)
    while len(specials) + len(tokens) < max_vocab_size:
        stats = _count(words)
        heap = [(-c, -order, p) for order, (p, c) in enumerate(stats.items())]
        heapq.heapify(heap)
        if not heap:
            break
        _, _, best = heapq.heappop(heap)
        words = {_merge(w, best): n for w, n in words.items()}
        token = best[0] + best[1]
        if token not in have:
            have.add(token)
            tokens.append(token)
    tokens.sort(key=len, reverse=True)
    return specials + tokens


def _merge(w, pair):
    out = []
    i = 0
    while i < len(w):
        if i < len(w) - 1 and (w[i], w[i + 1]) == pair:
            out.append(w[i] + w[i + 1])
            i += 2
        else:
            out.append(w[i])
            i += 1
    return tuple(out)
