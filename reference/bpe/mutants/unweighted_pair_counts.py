"""bug: unweighted. Every distinct word counts once, whatever its frequency."""
from collections import Counter


def build_bpe(corpus, max_vocab_size):
    SPECIAL = [BytePairEncoding.PAD_token, BytePairEncoding.UNK_token, BytePairEncoding.CLS_token,
               BytePairEncoding.SEP_token, BytePairEncoding.MSK_token]
    words = {tuple(w) + ('_',): n for w, n in Counter(corpus).items()}
    idx2word = list(dict.fromkeys(s for w in words for s in w))
    while len(SPECIAL) + len(idx2word) < max_vocab_size:
        pairs = Counter()
        for w, n in words.items():
            for p in zip(w, w[1:]):
                pairs[p] += 1
        if not pairs:
            break
        best = max(pairs, key=pairs.get)
        new = {}
        for w, n in words.items():
            out, i = [], 0
            while i < len(w):
                if i + 1 < len(w) and (w[i], w[i + 1]) == best:
                    out.append(w[i] + w[i + 1])
                    i += 2
                else:
                    out.append(w[i])
                    i += 1
            new[tuple(out)] = n
        words = new
        if best[0] + best[1] not in idx2word:
            idx2word.append(best[0] + best[1])
    return SPECIAL + sorted(idx2word, key=len, reverse=True)
