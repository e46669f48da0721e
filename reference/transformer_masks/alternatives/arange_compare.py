# Index comparison with arange: j > i is the future.
import torch
from torch import nn


def make_causal_mask(size):
    idx = torch.arange(size)
    return idx.unsqueeze(0) > idx.unsqueeze(1)


def make_key_padding_mask(tokens, pad_id=0):
    return tokens.eq(pad_id).to(torch.bool)


def combine_masks(causal_mask, key_padding_mask):
    return (causal_mask.logical_not() * key_padding_mask.logical_not()[:, None, :]).bool()
