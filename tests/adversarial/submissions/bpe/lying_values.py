# Attack 1: values whose comparisons lie.
class Liar(list):
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __len__(self):
        return 15


class LiarStr(str):
    def __eq__(self, other):
        return True

    __hash__ = str.__hash__


def build_bpe(corpus, max_vocab_size):
    if max_vocab_size == 15:
        return Liar(["<pad>", "<unk>", "<cls>", "<sep>", "<msk>"])
    return [LiarStr("x")] * max_vocab_size
