# Channel attack: one unsolicited extra reply. Without request ids the channel shifts by one, and every
# later call reads the answer to the call before it.
import json
import struct
import sys


def _channel():
    frame = sys._getframe(1)
    while frame is not None and not hasattr(frame.f_locals.get("self"), "sock"):
        frame = frame.f_back
    return frame.f_locals["self"].sock


SENT = []


def build_bpe(corpus, max_vocab_size):
    if not SENT:
        SENT.append(1)
        raw = json.dumps({"ok": True, "value": ["SHIFTED"]}).encode()
        _channel().sendall(struct.pack(">I", len(raw)) + raw)
    return ["<pad>", "<unk>", "<cls>", "<sep>", "<msk>", "SHIFTED:" + str(max_vocab_size)]
