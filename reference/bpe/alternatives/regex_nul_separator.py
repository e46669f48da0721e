"""Regex merges on symbols joined by a separator that cannot occur in words, re.escape on both sides."""
import re
from collections import Counter

SEP_CHAR = '\x00'


def build_bpe(corpus, max_vocab_size):
    SPECIAL = [BytePairEncoding.PAD_token, BytePairEncoding.UNK_token, BytePairEncoding.CLS_token,
               BytePairEncoding.SEP_token, BytePairEncoding.MSK_token]
    vocab = Counter()
    for word in corpus:
        vocab[SEP_CHAR.join(list(word) + [BytePairEncoding.WORD_END])] += 1
    tokens = []
    for w in vocab:
        for s in w.split(SEP_CHAR):
            if s not in tokens:
                tokens.append(s)
    while len(tokens) < max_vocab_size - len(SPECIAL):
        pairs = {}
        for w, f in vocab.items():
            s = w.split(SEP_CHAR)
            for i in range(len(s) - 1):
                pairs[s[i], s[i + 1]] = pairs.get((s[i], s[i + 1]), 0) + f
        if not pairs:
            break
        top = max(pairs.values())
        a, b = [p for p in pairs if pairs[p] == top][0]
        pattern = re.compile('(?:^|(?<=' + SEP_CHAR + '))' + re.escape(a + SEP_CHAR + b) + '(?=' + SEP_CHAR + '|$)')
        repl = (a + b).replace('\\', '\\\\')
        vocab = Counter({pattern.sub(repl, w): f for w, f in vocab.items()})
        if a + b not in tokens:
            tokens.append(a + b)
    return SPECIAL + sorted(tokens, key=len, reverse=True)
