# The course's tril, inverted with ~ to PyTorch's convention; combine by expanding to (B, S, S).
import torch
from torch import nn


def make_causal_mask(size):
    return ~torch.tril(torch.ones(size, size, dtype=torch.bool))


def make_key_padding_mask(tokens, pad_id=0):
    return tokens == pad_id


def combine_masks(causal_mask, key_padding_mask):
    B, S = key_padding_mask.shape
    causal = (~causal_mask).unsqueeze(0).expand(B, S, S)
    keys = (~key_padding_mask).unsqueeze(1).expand(B, S, S)
    return causal & keys
