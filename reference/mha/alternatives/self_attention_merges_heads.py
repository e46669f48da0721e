# self_attention also merges the heads back (returns (B, T, d_model)); sizes read from the module's own layers.
import math

import torch
from torch import nn

d_model = 512
num_heads = 8


class MultiheadAttention(nn.Module):
    def __init__(self, d_model=d_model, num_heads=num_heads):
        super().__init__()
        self.num_heads = num_heads
        self.w_q = nn.Linear(d_model, d_model)
        self.w_k = nn.Linear(d_model, d_model)
        self.w_v = nn.Linear(d_model, d_model)
        self.w_0 = nn.Linear(d_model, d_model)

    def forward(self, q, k, v, mask=None):
        B, H = q.size(0), self.num_heads
        q, k, v = (layer(x).view(B, x.size(1), H, -1).transpose(1, 2)
                   for layer, x in ((self.w_q, q), (self.w_k, k), (self.w_v, v)))
        return self.w_0(self.self_attention(q, k, v, mask))

    def self_attention(self, q, k, v, mask=None):
        B, H, T, dk = q.shape
        scores = q.matmul(k.transpose(-1, -2)).div(math.sqrt(dk))
        if mask is not None:
            scores.masked_fill_(mask.unsqueeze(1).logical_not(), -math.inf)
        out = torch.softmax(scores, dim=-1).matmul(v)
        return out.transpose(1, 2).reshape(B, T, H * out.size(-1))
