# PyTorch's own float causal mask (0 / -inf), eq() for padding, De Morgan for the combination.
import torch
from torch import nn


def make_causal_mask(size):
    return nn.Transformer.generate_square_subsequent_mask(size)


def make_key_padding_mask(tokens, pad_id=0):
    return tokens.eq(pad_id)


def combine_masks(causal_mask, key_padding_mask):
    return torch.logical_not(causal_mask.unsqueeze(0) | key_padding_mask.unsqueeze(1))
