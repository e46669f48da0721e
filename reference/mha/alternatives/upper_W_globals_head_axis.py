# Course globals, capital W_ names, the mask's head axis added in forward, -1e12 fill, torch.where.
import numpy as np
import torch
import torch.nn as nn

d_model = 512
num_heads = 8
d_k = d_model // num_heads


class MultiheadAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.W_q = nn.Linear(d_model, d_model)
        self.W_k = nn.Linear(d_model, d_model)
        self.W_v = nn.Linear(d_model, d_model)
        self.W_o = nn.Linear(d_model, d_model)

    def forward(self, q, k, v, mask=None):
        B = q.size(0)
        q = self.W_q(q).reshape(B, -1, num_heads, d_k).permute(0, 2, 1, 3)
        k = self.W_k(k).reshape(B, -1, num_heads, d_k).permute(0, 2, 1, 3)
        v = self.W_v(v).reshape(B, -1, num_heads, d_k).permute(0, 2, 1, 3)
        if mask is not None:
            mask = mask.unsqueeze(1)  # (B, 1, T, S) or (B, 1, 1, S)
        x = self.self_attention(q, k, v, mask)
        x = x.permute(0, 2, 1, 3).reshape(B, -1, num_heads * d_k)
        return self.W_o(x)

    def self_attention(self, q, k, v, mask=None):
        scores = q @ k.transpose(2, 3) / np.sqrt(d_k)
        if mask is not None:
            scores = torch.where(mask.bool(), scores, torch.tensor(-1e12, dtype=scores.dtype))
        weights = torch.softmax(scores, -1)
        return weights @ v
