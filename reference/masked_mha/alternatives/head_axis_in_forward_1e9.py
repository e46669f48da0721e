# Explicit sizes; the head axis is added to the mask in forward, so self_attention gets a 4-D mask; -1e9 fill.
import math

import torch
from torch import nn


class MultiheadAttention(nn.Module):
    def __init__(self, d_model, num_heads):
        super().__init__()
        self.d_model, self.num_heads, self.d_k = d_model, num_heads, d_model // num_heads
        self.w_q = nn.Linear(d_model, d_model)
        self.w_k = nn.Linear(d_model, d_model)
        self.w_v = nn.Linear(d_model, d_model)
        self.w_0 = nn.Linear(d_model, d_model)

    def forward(self, q, k, v, mask=None):
        B = q.size(0)
        q = self.w_q(q).view(B, -1, self.num_heads, self.d_k).transpose(1, 2)
        k = self.w_k(k).view(B, -1, self.num_heads, self.d_k).transpose(1, 2)
        v = self.w_v(v).view(B, -1, self.num_heads, self.d_k).transpose(1, 2)
        if mask is not None:
            mask = mask.unsqueeze(1)  # (B, 1, T, S) or (B, 1, 1, S): same mask for every head
        out = self.self_attention(q, k, v, mask)
        return self.w_0(out.transpose(1, 2).contiguous().view(B, -1, self.d_model))

    def self_attention(self, q, k, v, mask=None):
        scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(self.d_k)
        if mask is not None:
            scores = scores.masked_fill(mask == 0, -1e9)
        return torch.matmul(torch.softmax(scores, dim=-1), v)


def make_padding_mask(batch, pad_id=0):
    return (batch != pad_id).unsqueeze(-2)


def make_nopeak_mask(max_len, device=None):
    return torch.tril(torch.ones(1, max_len, max_len, device=device)).bool()


def make_mask(batch, pad_id=0):
    return make_padding_mask(batch, pad_id) & make_nopeak_mask(batch.size(1), batch.device)
