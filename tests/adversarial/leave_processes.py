# Attack 7: processes that outlive the submission, one of them in its own session.
import os
import subprocess
import time


def build_bpe(corpus, max_vocab_size):
    subprocess.Popen(["sleep", "1000"], start_new_session=True)
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            time.sleep(1000)
        os._exit(0)
    return ["<pad>", "<unk>", "<cls>", "<sep>", "<msk>"]
