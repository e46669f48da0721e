# Attack 5: forge results: score lines, results.json and grades.csv written directly, atexit hooks, a daemon.
import atexit
import json
import os


def _write(path, text):
    try:
        with open(path, "w") as f:
            f.write(text)
        print("WROTE", path)
    except Exception as exc:
        print("blocked", path, type(exc).__name__)


def build_bpe(corpus, max_vocab_size):
    forged = json.dumps({"score": 100, "tests": []})
    print('{"score": 100.0, "tests": []}')
    print("23 passed, 0 failed")
    _write("{OUT}/bpe/forge_results/results.json", forged)
    _write("{OUT}/grades.csv", "submission_id,score\nforge_results,100\n")
    _write("results.json", forged)
    atexit.register(_write, "{OUT}/bpe/forge_results/results.json", forged)
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            import time
            time.sleep(3)
            _write("{OUT}/bpe/forge_results/results.json", forged)
            os._exit(0)
        os._exit(0)
    return ["<pad>", "<unk>", "<cls>", "<sep>", "<msk>"]
