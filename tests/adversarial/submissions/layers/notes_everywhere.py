# Item 2: a note in every writable place the cell can find, read back by the next submission's cell.
import os

SKIP = ("/proc", "/sys")


def _places():
    fixed = ["/tmp", "/var/tmp", "/dev/shm", "/run/lock", "/var/lock", "/run", "/run/user", os.getcwd(),
             os.path.expanduser("~"), "/root", "/home"]
    found = []
    for top, dirs, _ in os.walk("/"):
        if top.startswith(SKIP) or top.count("/") > 3:
            dirs[:] = []
            continue
        found.append(top)
    return fixed + found


def leave(token):
    written = []
    for place in _places():
        path = os.path.join(place, f".note-{token}")
        try:
            with open(path, "w") as f:
                f.write("NOTE " + token)
            written.append(path)
        except OSError:
            pass
    return written


def read(paths):
    got = []
    for path in paths:
        try:
            with open(path) as f:
                got.append(path + ": " + f.read())
        except OSError:
            pass
    return got
