# Item 4: a fork-based memory bomb: n children, each holding `mib` MiB; returns what is still held.
import os
import time


def bomb(n, mib):
    children = []
    r, w = os.pipe()
    for _ in range(n):
        pid = os.fork()
        if pid == 0:
            try:
                block = b"\x01" * (mib << 20)  # written, so resident
                os.write(w, b"+")
                time.sleep(60)
                del block
            finally:
                os._exit(0)
        children.append(pid)
        time.sleep(0.3)
    time.sleep(1.0)
    os.close(w)
    os.set_blocking(r, False)
    try:
        allocated = len(os.read(r, 1024))
    except BlockingIOError:
        allocated = 0
    alive = sum(os.waitpid(pid, os.WNOHANG)[0] == 0 for pid in children)
    return [allocated, alive, min(allocated, alive) * mib]
