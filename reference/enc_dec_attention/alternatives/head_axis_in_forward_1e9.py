# Explicit sizes, the source mask's head axis added in forward (self_attention gets (B, 1, 1, S)), -1e9 fill.
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
        q = self.w_q(q).view(B, q.size(1), self.num_heads, self.d_k).transpose(1, 2)
        k = self.w_k(k).view(B, k.size(1), self.num_heads, self.d_k).transpose(1, 2)
        v = self.w_v(v).view(B, v.size(1), self.num_heads, self.d_k).transpose(1, 2)
        if mask is not None:
            mask = mask.unsqueeze(1)
        out = self.self_attention(q, k, v, mask)
        return self.w_0(out.transpose(1, 2).contiguous().view(B, -1, self.d_model))

    def self_attention(self, q, k, v, mask=None):
        scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(self.d_k)
        if mask is not None:
            scores = scores.masked_fill(mask == 0, -1e9)
        return torch.matmul(torch.softmax(scores, dim=-1), v)


def make_src_mask(src, pad_id=0):
    return (src != pad_id).unsqueeze(-2)
