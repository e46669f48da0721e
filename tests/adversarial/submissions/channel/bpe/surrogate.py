# Channel attack: lone surrogates and invalid UTF-8 in everything that crosses (exception messages,
# returned strings, printed bytes). Once, "\ud800" in an exception message stopped the whole batch.
import os


def build_bpe(corpus, max_vocab_size):
    os.write(1, b"invalid utf-8: \xff\xfe \xed\xa0\x80\n")
    if max_vocab_size == 15:
        raise ValueError("no vocabulary for you \ud800 \udfff")
    if max_vocab_size == 13:
        raise ValueError("\ud800" * 10)
    return ["<pad>", "<unk>", "<cls>", "<sep>", "<msk>", "\ud800", "\udfff_"]
