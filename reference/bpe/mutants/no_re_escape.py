"""bug: no_re_escape. The course's regex merge, but the pair is not passed through re.escape."""
import re
from collections import Counter, defaultdict


def build_bpe(corpus, max_vocab_size):
    SPECIAL = [BytePairEncoding.PAD_token, BytePairEncoding.UNK_token, BytePairEncoding.CLS_token,
               BytePairEncoding.SEP_token, BytePairEncoding.MSK_token]
    vocab = Counter(' '.join(list(word) + ['_']) for word in corpus)
    idx2word = []
    for word in vocab:
        for ch in word.split():
            if ch not in idx2word:
                idx2word.append(ch)
    while len(SPECIAL) + len(idx2word) < max_vocab_size:
        pairs = defaultdict(int)
        for word, freq in vocab.items():
            symbols = word.split()
            for i in range(len(symbols) - 1):
                pairs[symbols[i], symbols[i + 1]] += freq
        if not pairs:
            break
        best = max(pairs, key=pairs.get)
        p = re.compile(r'(?<!\S)' + ' '.join(best) + r'(?!\S)')
        vocab = {p.sub(''.join(best), word): freq for word, freq in vocab.items()}
        if ''.join(best) not in idx2word:
            idx2word.append(''.join(best))
    return SPECIAL + sorted(idx2word, key=len, reverse=True)
