# forward turns the bool mask into an additive float mask (0 / -inf) with the head axis; self_attention adds it.
import math

import torch
from torch import nn
from torch.nn import functional as F


class MultiheadAttention(nn.Module):
    def __init__(self, d_model=512, num_heads=8):
        super().__init__()
        self.num_heads = num_heads
        self.d_k = d_model // num_heads
        self.w_q = nn.Linear(d_model, d_model)
        self.w_k = nn.Linear(d_model, d_model)
        self.w_v = nn.Linear(d_model, d_model)
        self.w_0 = nn.Linear(d_model, d_model)

    def forward(self, q, k, v, mask=None):
        B = q.shape[0]
        heads = lambda x: x.view(B, -1, self.num_heads, self.d_k).transpose(1, 2)
        bias = None
        if mask is not None:
            bias = torch.zeros(mask.shape, device=q.device).masked_fill(~mask.bool(), float("-inf")).unsqueeze(1)
        out = self.self_attention(heads(self.w_q(q)), heads(self.w_k(k)), heads(self.w_v(v)), bias)
        return self.w_0(out.transpose(1, 2).reshape(B, -1, self.num_heads * self.d_k))

    def self_attention(self, q, k, v, mask=None):
        scores = q @ k.transpose(-2, -1) / math.sqrt(self.d_k)
        if mask is not None:
            scores = scores + mask
        return F.softmax(scores, dim=-1) @ v


def make_padding_mask(batch, pad_id=0):
    return (batch != pad_id).unsqueeze(1)


def make_nopeak_mask(max_len, device=None):
    return torch.tril(torch.ones(max_len, max_len, device=device, dtype=torch.bool)).expand(1, max_len, max_len)


def make_mask(batch, pad_id=0):
    return make_padding_mask(batch, pad_id) & make_nopeak_mask(batch.shape[1], batch.device)
