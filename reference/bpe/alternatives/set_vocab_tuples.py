"""Words as tuples of symbols, the vocabulary kept in a set and sorted by length only."""
from collections import Counter


def build_bpe(corpus, max_vocab_size):
    specials = [BytePairEncoding.PAD_token, BytePairEncoding.UNK_token, BytePairEncoding.CLS_token,
                BytePairEncoding.SEP_token, BytePairEncoding.MSK_token]
    words = Counter()
    for w in corpus:
        words[tuple(w) + (BytePairEncoding.WORD_END,)] += 1
    vocab = set()
    for w in words:
        vocab |= set(w)
    while len(specials) + len(vocab) < max_vocab_size:
        pairs = Counter()
        for w, n in words.items():
            for i in range(len(w) - 1):
                pairs[w[i], w[i + 1]] += n
        if len(pairs) == 0:
            break
        (a, b), _ = pairs.most_common(1)[0]
        new_words = Counter()
        for w, n in words.items():
            out = []
            i = 0
            while i < len(w):
                if w[i] == a and i + 1 < len(w) and w[i + 1] == b:
                    out.append(a + b)
                    i += 2
                else:
                    out.append(w[i])
                    i += 1
            new_words[tuple(out)] += n
        words = new_words
        vocab.add(a + b)
    return specials + sorted(vocab, key=len, reverse=True)
