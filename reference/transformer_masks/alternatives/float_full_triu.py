# A float mask built with torch.full(-inf).triu(1); padding from masked_fill; combination with logical ops.
import torch
from torch import nn


def make_causal_mask(size):
    return torch.full((size, size), float("-inf")).triu(1)


def make_key_padding_mask(tokens, pad_id=0):
    return torch.zeros_like(tokens, dtype=torch.bool).masked_fill(tokens == pad_id, True)


def combine_masks(causal_mask, key_padding_mask):
    return torch.logical_and(causal_mask.logical_not().unsqueeze(0), key_padding_mask.logical_not().unsqueeze(1))
