# Attack 7: processes that outlive the submission, one of them in its own session.
# {TOKEN} marks this test run's processes, so the check never confuses them with another grader's.
import os
import subprocess


def build_bpe(corpus, max_vocab_size):
    subprocess.Popen(["sleep", "1000.{TOKEN}"], start_new_session=True)
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            os.execvp("sleep", ["sleep", "1000.{TOKEN}"])
        os._exit(0)
    print("STARTED")
    return ["<pad>", "<unk>", "<cls>", "<sep>", "<msk>"]
