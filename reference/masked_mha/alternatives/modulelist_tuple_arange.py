# MultiheadAttention(h, d_model) with nn.ModuleList linears, self_attention(query, key, value, attn_mask) returning
# (values, weights), the no-peak mask from an arange comparison.
import math

import torch
from torch import nn


class MultiheadAttention(nn.Module):
    def __init__(self, h, d_model):
        super().__init__()
        self.h, self.d_k = h, d_model // h
        self.linears = nn.ModuleList([nn.Linear(d_model, d_model) for _ in range(4)])

    def forward(self, query, key, value, mask=None):
        n = query.size(0)
        query, key, value = [l(x).view(n, -1, self.h, self.d_k).transpose(1, 2)
                             for l, x in zip(self.linears, (query, key, value))]
        x, _ = self.self_attention(query, key, value, mask)
        return self.linears[3](x.transpose(1, 2).reshape(n, -1, self.h * self.d_k))

    def self_attention(self, query, key, value, attn_mask=None):
        scores = query @ key.transpose(-2, -1) / math.sqrt(query.size(-1))
        if attn_mask is not None:
            scores = scores.masked_fill(~attn_mask.bool().unsqueeze(1), float("-inf"))
        p = scores.softmax(dim=-1)
        return p @ value, p


def make_padding_mask(batch, pad_id=0):
    return (batch != pad_id).unsqueeze(1)


def make_nopeak_mask(max_len, device=None):
    i = torch.arange(max_len, device=device)
    return (i[None, :] <= i[:, None]).unsqueeze(0)


def make_mask(batch, pad_id=0):
    return make_padding_mask(batch, pad_id) & make_nopeak_mask(batch.size(1), device=batch.device)
