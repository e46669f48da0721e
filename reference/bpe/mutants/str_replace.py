"""bug: str_replace. Merges with str.replace, which also matches across symbol boundaries ('ab c_' contains 'b c_')."""
from collections import Counter


def build_bpe(corpus, max_vocab_size):
    SPECIAL = [BytePairEncoding.PAD_token, BytePairEncoding.UNK_token, BytePairEncoding.CLS_token,
               BytePairEncoding.SEP_token, BytePairEncoding.MSK_token]
    vocab = Counter(' '.join(list(w) + ['_']) for w in corpus)
    idx2word = list(dict.fromkeys(s for w in vocab for s in w.split()))
    while len(SPECIAL) + len(idx2word) < max_vocab_size:
        pairs = Counter()
        for w, n in vocab.items():
            s = w.split()
            for p in zip(s, s[1:]):
                pairs[p] += n
        if not pairs:
            break
        best = max(pairs, key=pairs.get)
        vocab = {w.replace(' '.join(best), ''.join(best)): n for w, n in vocab.items()}
        if ''.join(best) not in idx2word:
            idx2word.append(''.join(best))
    return SPECIAL + sorted(idx2word, key=len, reverse=True)
