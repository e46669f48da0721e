# F.scaled_dot_product_attention with a bool mask, q_proj/k_proj/v_proj/out_proj names, no-peak as ~triu.
import torch
import torch.nn.functional as F
from torch import nn


class MultiheadAttention(nn.Module):
    def __init__(self, d_model=512, num_heads=8):
        super().__init__()
        self.h = num_heads
        self.q_proj, self.k_proj = nn.Linear(d_model, d_model), nn.Linear(d_model, d_model)
        self.v_proj, self.out_proj = nn.Linear(d_model, d_model), nn.Linear(d_model, d_model)

    def forward(self, q, k, v, mask=None):
        split = lambda x: x.unflatten(-1, (self.h, -1)).transpose(1, 2)
        out = self.self_attention(split(self.q_proj(q)), split(self.k_proj(k)), split(self.v_proj(v)), mask)
        return self.out_proj(out.transpose(1, 2).flatten(-2))

    def self_attention(self, q, k, v, mask=None):
        if mask is not None:
            mask = mask.bool()
            if mask.dim() == 3:
                mask = mask[:, None]
        return F.scaled_dot_product_attention(q, k, v, attn_mask=mask)


def make_padding_mask(batch, pad_id=0):
    return batch.ne(pad_id)[:, None, :]


def make_nopeak_mask(max_len, device=None):
    return ~torch.triu(torch.ones(max_len, max_len, dtype=torch.bool, device=device), diagonal=1).unsqueeze(0)


def make_mask(batch, pad_id=0):
    return torch.logical_and(make_padding_mask(batch, pad_id), make_nopeak_mask(batch.shape[-1], batch.device))
