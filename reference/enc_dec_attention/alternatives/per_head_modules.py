# One module per head in an nn.ModuleList (q/k/v layers of size d_k each), cross-attention over encoder output.
import math

import torch
from torch import nn
from torch.nn import functional as F


class AttentionHead(nn.Module):
    def __init__(self, d_model, head_size):
        super().__init__()
        self.w_q = nn.Linear(d_model, head_size)
        self.w_k = nn.Linear(d_model, head_size)
        self.w_v = nn.Linear(d_model, head_size)


class MultiheadAttention(nn.Module):
    def __init__(self, d_model=512, num_heads=8):
        super().__init__()
        self.heads = nn.ModuleList(AttentionHead(d_model, d_model // num_heads) for _ in range(num_heads))
        self.w_0 = nn.Linear(d_model, d_model)

    def forward(self, q, k, v, mask=None):
        Q = torch.stack([h.w_q(q) for h in self.heads], 1)
        K = torch.stack([h.w_k(k) for h in self.heads], 1)
        V = torch.stack([h.w_v(v) for h in self.heads], 1)
        out = self.self_attention(Q, K, V, mask)
        return self.w_0(torch.cat([out[:, i] for i in range(out.size(1))], dim=-1))

    def self_attention(self, q, k, v, mask=None):
        scores = q @ k.transpose(-2, -1) / math.sqrt(q.size(-1))
        if mask is not None:
            scores = scores.masked_fill(mask.unsqueeze(1).logical_not(), float("-inf"))
        return F.softmax(scores, -1) @ v


def make_src_mask(src, pad_id=0):
    return (src != pad_id).unsqueeze(1)
