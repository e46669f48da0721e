# One small module per head (nn.ModuleList of heads, each with its own query/key/value layers).
import math

import torch
from torch import nn
from torch.nn import functional as F


class Head(nn.Module):
    def __init__(self, d_model, d_k):
        super().__init__()
        self.query = nn.Linear(d_model, d_k)
        self.key = nn.Linear(d_model, d_k)
        self.value = nn.Linear(d_model, d_k)


class MultiheadAttention(nn.Module):
    def __init__(self, d_model=512, num_heads=8):
        super().__init__()
        self.heads = nn.ModuleList([Head(d_model, d_model // num_heads) for _ in range(num_heads)])
        self.w_0 = nn.Linear(d_model, d_model)

    def forward(self, q, k, v, mask=None):
        Q = torch.stack([h.query(q) for h in self.heads], dim=1)  # (B, H, T, d_k)
        K = torch.stack([h.key(k) for h in self.heads], dim=1)
        V = torch.stack([h.value(v) for h in self.heads], dim=1)
        out = self.self_attention(Q, K, V, mask)
        return self.w_0(torch.cat(out.unbind(dim=1), dim=-1))

    def self_attention(self, q, k, v, mask=None):
        scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))
        if mask is not None:
            scores = scores.masked_fill(mask[:, None] == 0, float("-inf"))
        return F.softmax(scores, dim=-1) @ v
