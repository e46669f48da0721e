# Channel attack: output that keeps arriving after the reply, so the output cap trips while the parent
# writes its report (once: INTERNAL_ERROR, and the honest neighbours of the chunk became grader_error).
import os
import threading


def _flood():
    chunk = b"x" * (1 << 16)
    while True:
        os.write(1, chunk)


def build_bpe(corpus, max_vocab_size):
    for _ in range(4):
        threading.Thread(target=_flood, daemon=True).start()
    return ["<pad>", "<unk>", "<cls>", "<sep>", "<msk>"]
