# PyTorch-style names (q_proj, k_proj, v_proj, out_proj), embed_dim, F.scaled_dot_product_attention.
from torch import nn
import torch.nn.functional as F


class MultiheadAttention(nn.Module):
    def __init__(self, embed_dim=512, n_heads=8):
        super().__init__()
        self.embed_dim, self.n_heads = embed_dim, n_heads
        self.head_dim = embed_dim // n_heads
        self.q_proj = nn.Linear(embed_dim, embed_dim)
        self.k_proj = nn.Linear(embed_dim, embed_dim)
        self.v_proj = nn.Linear(embed_dim, embed_dim)
        self.out_proj = nn.Linear(embed_dim, embed_dim)

    def _heads(self, x):
        return x.unflatten(-1, (self.n_heads, self.head_dim)).transpose(1, 2)

    def forward(self, query, key, value, mask=None):
        q, k, v = self._heads(self.q_proj(query)), self._heads(self.k_proj(key)), self._heads(self.v_proj(value))
        if mask is not None:
            mask = mask.unsqueeze(1)  # the head axis, here in forward
        out = self.self_attention(q, k, v, mask)
        return self.out_proj(out.transpose(1, 2).flatten(2))

    def self_attention(self, q, k, v, mask=None):
        return F.scaled_dot_product_attention(q, k, v, attn_mask=None if mask is None else mask.bool())
