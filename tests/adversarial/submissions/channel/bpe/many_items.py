# Amplification: a reply of many distinct short strings, far under the byte cap (4 million of them once
# cost 88 s of the parent's CPU per submission).
def build_bpe(corpus, max_vocab_size):
    return ["<pad>", "<unk>", "<cls>", "<sep>", "<msk>"] + [format(i, "x") for i in range({ITEMS})]
