"""A hand-written word-frequency dict (no Counter), pair counts in a plain dict, lexicographic tie-break."""


def build_bpe(corpus, max_vocab_size):
    SPECIAL = [BytePairEncoding.PAD_token, BytePairEncoding.UNK_token, BytePairEncoding.CLS_token,
               BytePairEncoding.SEP_token, BytePairEncoding.MSK_token]
    WORD_END = BytePairEncoding.WORD_END
    word_freq = {}
    for word in corpus:
        word_freq[word] = word_freq.get(word, 0) + 1
    splits = {word: list(word) + [WORD_END] for word in word_freq}
    idx2word = []
    for symbols in splits.values():
        for s in symbols:
            if s not in idx2word:
                idx2word.append(s)
    while len(SPECIAL) + len(idx2word) < max_vocab_size:
        pair_freq = {}
        for word, symbols in splits.items():
            for a, b in zip(symbols, symbols[1:]):
                pair_freq[(a, b)] = pair_freq.get((a, b), 0) + word_freq[word]
        if not pair_freq:
            break
        best = sorted(pair_freq.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        for word, symbols in splits.items():
            merged, i = [], 0
            while i < len(symbols):
                if i + 1 < len(symbols) and symbols[i] == best[0] and symbols[i + 1] == best[1]:
                    merged.append(best[0] + best[1])
                    i += 2
                else:
                    merged.append(symbols[i])
                    i += 1
            splits[word] = merged
        if best[0] + best[1] not in idx2word:
            idx2word.append(best[0] + best[1])
    idx2word.sort(key=lambda t: len(t), reverse=True)
    return SPECIAL + idx2word
