# Item 7: a local check without root: read the workspace's .git token and HOME, write a script into the workspace.
import os


def build_bpe(corpus, max_vocab_size):
    for path in ["{WORKSPACE}/.git/config", "{HOME}/secret.txt", os.path.expanduser("~/secret.txt")]:
        try:
            with open(path) as f:
                print("LEAKED", path, f.read())
        except OSError as exc:
            print("blocked", path, type(exc).__name__)
    for path in ["{WORKSPACE}/evil.sh", "{HOME}/evil.sh", "/var/tmp/evil.sh"]:
        try:
            with open(path, "w") as f:
                f.write("echo owned")
            print("WROTE", path)
        except OSError as exc:
            print("blocked", path, type(exc).__name__)
    return []
