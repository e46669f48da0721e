"""dave's BPE, handed in as a plain Python file."""
from collections import Counter
from itertools import pairwise


def _pairs(words):
    stats = Counter()
    for word, n in words.items():
        for pair in pairwise(word):
            stats[pair] += n
    return stats


def _merge_all(words, pair):
    result = {}
    for word, n in words.items():
        merged, i = [], 0
        while i < len(word):
            if i + 1 < len(word) and word[i] == pair[0] and word[i + 1] == pair[1]:
                merged.append(pair[0] + pair[1])
                i += 2
            else:
                merged.append(word[i])
                i += 1
        result[tuple(merged)] = n
    return result


def build_bpe(corpus, max_vocab_size):
    specials = [BytePairEncoding.PAD_token, BytePairEncoding.UNK_token, BytePairEncoding.CLS_token,
                BytePairEncoding.SEP_token, BytePairEncoding.MSK_token]
    words = {tuple(w) + (BytePairEncoding.WORD_END,): n for w, n in Counter(corpus).items()}
    vocab = list(dict.fromkeys(s for w in words for s in w))
    while len(specials) + len(vocab) < max_vocab_size:
        stats = _pairs(words)
        if not stats:
            break
        pair, _ = stats.most_common(1)[0]
        words = _merge_all(words, pair)
        if pair[0] + pair[1] not in vocab:
            vocab.append(pair[0] + pair[1])
    return specials + sorted(vocab, key=len, reverse=True)


if __name__ == "__main__":
    print(build_bpe(["low"] * 5 + ["lower"] * 2, 15))
