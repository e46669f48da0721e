# Mutant: a float causal mask holding 1.0 where blocked (an additive 1 blocks nothing)
import torch
from torch import nn
def make_causal_mask(size):
    return torch.triu(torch.ones(size, size), diagonal=1)


def make_key_padding_mask(tokens, pad_id=0):
    return tokens == pad_id


def combine_masks(causal_mask, key_padding_mask):
    return ~causal_mask.unsqueeze(0) & ~key_padding_mask.unsqueeze(1)
