# Explicit __init__(d_model, num_heads), einsum everywhere, the output layer named w_O.
import torch
from torch import nn


class MultiheadAttention(nn.Module):
    def __init__(self, d_model, num_heads):
        super().__init__()
        assert d_model % num_heads == 0
        self.h, self.dk = num_heads, d_model // num_heads
        self.w_q = nn.Linear(d_model, d_model)
        self.w_k = nn.Linear(d_model, d_model)
        self.w_v = nn.Linear(d_model, d_model)
        self.w_O = nn.Linear(d_model, d_model)

    def split(self, x):
        b, n, _ = x.shape
        return x.reshape(b, n, self.h, self.dk).permute(0, 2, 1, 3)

    def forward(self, q, k, v, mask=None):
        Q, K, V = self.split(self.w_q(q)), self.split(self.w_k(k)), self.split(self.w_v(v))
        out = self.self_attention(Q, K, V, mask)
        b, h, t, dk = out.shape
        return self.w_O(out.permute(0, 2, 1, 3).reshape(b, t, h * dk))

    def self_attention(self, q, k, v, mask=None):
        scores = torch.einsum("bhtd,bhsd->bhts", q, k) * q.shape[-1] ** -0.5
        if mask is not None:
            scores = scores.masked_fill(~mask.bool().unsqueeze(1), float("-inf"))
        return torch.einsum("bhts,bhsd->bhtd", scores.softmax(dim=-1), v)
