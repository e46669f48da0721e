# A float causal mask filled with -1e9 (blocks as well as -inf in a softmax), masked_fill on zeros.
import torch
from torch import nn


def make_causal_mask(size):
    future = torch.triu(torch.ones(size, size), diagonal=1) == 1
    return torch.zeros(size, size).masked_fill(future, -1e9)


def make_key_padding_mask(tokens, pad_id=0):
    return tokens == pad_id


def combine_masks(causal_mask, key_padding_mask):
    blocked = causal_mask.unsqueeze(0) | key_padding_mask.unsqueeze(1)
    return ~blocked
