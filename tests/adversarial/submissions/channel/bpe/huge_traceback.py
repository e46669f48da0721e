# Amplification: a very long source line quoted by every frame of a deep traceback, in every test
# (a 1 MiB line with 30 frames once produced 2.9 GB of gradebook, results.json, report.html and junit.xml).
def _down(k):
    return _down(k - 1) if k else 1 / 0  # {LONG}


def build_bpe(corpus, max_vocab_size):
    return _down(30)
