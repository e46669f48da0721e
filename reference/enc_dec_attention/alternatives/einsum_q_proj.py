# einsum with named projections (q_proj, k_proj, v_proj, o_proj) and a key-padding mask indexed with None.
import math

import torch
from torch import nn

d_model = 512
num_heads = 8
d_k = d_model // num_heads


class MultiheadAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.q_proj = nn.Linear(d_model, d_model)
        self.k_proj = nn.Linear(d_model, d_model)
        self.v_proj = nn.Linear(d_model, d_model)
        self.o_proj = nn.Linear(d_model, d_model)

    def forward(self, q, k, v, mask=None):
        B, T, _ = q.shape
        S = k.shape[1]
        Q = self.q_proj(q).view(B, T, num_heads, d_k).transpose(1, 2)
        K = self.k_proj(k).view(B, S, num_heads, d_k).transpose(1, 2)
        V = self.v_proj(v).view(B, S, num_heads, d_k).transpose(1, 2)
        out = self.self_attention(Q, K, V, mask)
        return self.o_proj(out.transpose(1, 2).reshape(B, T, d_model))

    def self_attention(self, q, k, v, mask=None):
        scores = torch.einsum("bhtd,bhsd->bhts", q, k) / math.sqrt(d_k)
        if mask is not None:
            scores = scores.masked_fill(~mask.bool()[:, None], float("-inf"))
        return torch.einsum("bhts,bhsd->bhtd", torch.softmax(scores, -1), v)


def make_src_mask(src, pad_id=0):
    return (src != pad_id)[:, None, :]
