"""A while True loop with early exits, most_common, and symbols kept in lists."""
from collections import Counter


def build_bpe(corpus, max_vocab_size):
    special = [BytePairEncoding.PAD_token, BytePairEncoding.UNK_token, BytePairEncoding.CLS_token,
               BytePairEncoding.SEP_token, BytePairEncoding.MSK_token]
    end = BytePairEncoding.WORD_END
    counts = Counter(corpus)
    segs = [[*w, end] for w in counts]
    freqs = list(counts.values())
    vocab = list(dict.fromkeys(s for seg in segs for s in seg))
    while True:
        if len(special) + len(vocab) >= max_vocab_size:
            break
        pairs = Counter()
        for seg, f in zip(segs, freqs):
            for i in range(len(seg) - 1):
                pairs[(seg[i], seg[i + 1])] += f
        if not pairs:
            break
        (x, y), _ = pairs.most_common(1)[0]
        for seg in segs:
            i = 0
            while i < len(seg) - 1:
                if seg[i] == x and seg[i + 1] == y:
                    seg[i:i + 2] = [x + y]
                i += 1
        if x + y not in vocab:
            vocab.append(x + y)
    vocab = sorted(vocab, key=len)[::-1]  # longest first; inside one length, reversed
    return special + vocab
