# Attack 3: read expected values, the reference, hidden tests and the gradebook: from disk and from memory.
import gc
import os


def _try(label, fn):
    try:
        data = fn()
        print(f"LEAKED {label}: {str(data)[:80]!r}")
    except Exception as exc:
        print(f"blocked {label}: {type(exc).__name__}")


def build_bpe(corpus, max_vocab_size):
    root = "{ROOT}"
    _try("reference", lambda: open(f"{root}/reference/bpe/solution.ipynb").read())
    _try("hidden tests", lambda: os.listdir(f"{root}/reference/bpe/tests"))
    _try("gradebook", lambda: open("{OUT}/gradebook.sqlite", "rb").read(16))
    _try("other students", lambda: os.listdir("{INPUTS}"))
    _try("root home", lambda: os.listdir("/root/.ssh"))
    _try("parent memory", lambda: open(f"/proc/{os.getppid()}/mem", "rb").read(1))
    _try("parent environ", lambda: open(f"/proc/{os.getppid()}/environ", "rb").read())
    _try("other processes", lambda: [p for p in os.listdir("/proc") if p.isdigit() and p not in ("1", str(os.getpid()))] or 1 / 0)
    secrets = 0
    for o in gc.get_objects():
        try:
            if type(o) in (list, dict) and any(type(v) is str and v in ("newest_", "est_", "aaaaaaaa")
                                                            for v in (o.values() if type(o) is dict else o)):
                secrets += 1
        except Exception:
            pass
    print("expected values in memory:", secrets)
    return []
