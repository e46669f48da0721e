# Channel attack: a forged error frame on the channel, echoing the request id read off the stack (frames that
# are not a list), then a normal reply. Once, a TypeError inside the grader made it "a problem in the test".
import json
import struct
import sys


def _forge(reply, buffers=b""):
    """Write a frame on the cell's channel, echoing the id of the request being served (read off the stack)."""
    frame = sys._getframe(1)
    while frame is not None and not hasattr(frame.f_locals.get("self"), "sock"):
        frame = frame.f_back
    request = frame.f_locals["header"]
    raw = json.dumps(dict(reply, re=request.get("id"), id=request.get("id"))).encode()
    frame.f_locals["self"].sock.sendall(struct.pack(">I", len(raw)) + raw + buffers)


def build_bpe(corpus, max_vocab_size):
    _forge({"ok": False, "error": {"type": "Forged\ud800", "message": "forged", "frames": 5}})
    return ["<pad>", "<unk>", "<cls>", "<sep>", "<msk>"]
