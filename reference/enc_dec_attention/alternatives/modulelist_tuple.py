# MultiheadAttention(h, d_model), nn.ModuleList linears, self_attention returns (values, weights), -1e9 fill.
import math

import torch
from torch import nn


class MultiheadAttention(nn.Module):
    def __init__(self, h, d_model, dropout=0.1):
        super().__init__()
        assert d_model % h == 0
        self.h, self.d_k = h, d_model // h
        self.linears = nn.ModuleList([nn.Linear(d_model, d_model) for _ in range(4)])
        self.dropout = nn.Dropout(dropout)

    def forward(self, query, key, value, mask=None):
        n = query.size(0)
        query, key, value = [l(x).view(n, -1, self.h, self.d_k).transpose(1, 2)
                             for l, x in zip(self.linears, (query, key, value))]
        x, self.attn = self.self_attention(query, key, value, mask)
        return self.linears[-1](x.transpose(1, 2).contiguous().view(n, -1, self.h * self.d_k))

    def self_attention(self, query, key, value, mask=None):
        scores = torch.matmul(query, key.transpose(-2, -1)) / math.sqrt(query.size(-1))
        if mask is not None:
            scores = scores.masked_fill(mask.unsqueeze(1) == 0, -1e9)
        p_attn = self.dropout(scores.softmax(dim=-1))
        return torch.matmul(p_attn, value), p_attn


def make_src_mask(src, pad_id=0):
    return (src != pad_id).unsqueeze(-2)
