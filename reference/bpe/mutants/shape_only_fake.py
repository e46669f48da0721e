"""bug: fake. No BPE at all: the specials, the corpus's characters, then filler strings of decreasing length."""


def build_bpe(corpus, max_vocab_size):
    SPECIAL = [BytePairEncoding.PAD_token, BytePairEncoding.UNK_token, BytePairEncoding.CLS_token,
               BytePairEncoding.SEP_token, BytePairEncoding.MSK_token]
    words = list(corpus)
    chars = sorted(set(''.join(words)) | {'_'})
    longest = max((len(w) for w in words), default=1) + 1
    room = min(max_vocab_size, len(SPECIAL) + len(chars) + sum(len(w) for w in set(words)))
    fillers, k = [], 0
    while len(SPECIAL) + len(chars) + len(fillers) < room:
        length = max(2, longest - k % (longest - 1))
        fillers.append((chars[k % len(chars)] * length)[:length - 1] + '_' + str(k))
        k += 1
    return SPECIAL + sorted(chars + fillers, key=len, reverse=True)
