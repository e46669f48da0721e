# torch.triu(..., diagonal=1).bool() on a float matrix of ones.
import torch
from torch import nn


def make_causal_mask(size):
    return torch.triu(torch.ones(size, size), diagonal=1).bool()


def make_key_padding_mask(tokens, pad_id=0):
    return (tokens == pad_id)


def combine_masks(causal_mask, key_padding_mask):
    allowed_causal = ~causal_mask
    allowed_keys = ~key_padding_mask
    return allowed_causal[None, :, :] & allowed_keys[:, None, :]
