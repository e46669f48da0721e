"""Pair counts updated incrementally: only the words that contain the merged pair are recounted."""
from collections import Counter, defaultdict


def build_bpe(corpus, max_vocab_size):
    SPECIAL = [BytePairEncoding.PAD_token, BytePairEncoding.UNK_token, BytePairEncoding.CLS_token,
               BytePairEncoding.SEP_token, BytePairEncoding.MSK_token]
    freq = Counter(corpus)
    words = {w: list(w) + [BytePairEncoding.WORD_END] for w in freq}
    vocab = []
    for symbols in words.values():
        for s in symbols:
            if s not in vocab:
                vocab.append(s)
    stats = Counter()
    index = defaultdict(set)  # pair -> words that contain it
    for w, symbols in words.items():
        for p in zip(symbols, symbols[1:]):
            stats[p] += freq[w]
            index[p].add(w)

    while len(SPECIAL) + len(vocab) < max_vocab_size:
        live = {p: c for p, c in stats.items() if c > 0}
        if not live:
            break
        top = max(live.values())
        best = min((p for p, c in live.items() if c == top))  # lexicographic among ties
        new = best[0] + best[1]
        for w in list(index.pop(best, ())):
            symbols = words[w]
            for p in zip(symbols, symbols[1:]):
                stats[p] -= freq[w]
            out, i = [], 0
            while i < len(symbols):
                if tuple(symbols[i:i + 2]) == best:
                    out.append(new)
                    i += 2
                else:
                    out.append(symbols[i])
                    i += 1
            words[w] = out
            for p in zip(out, out[1:]):
                stats[p] += freq[w]
                index[p].add(w)
        stats[best] = 0
        if new not in vocab:
            vocab.append(new)
    return SPECIAL + sorted(vocab, key=len, reverse=True)
