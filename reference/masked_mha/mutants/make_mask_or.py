# Mutant: padding and no-peak masks combined with | instead of &
import math

import torch
from torch import nn
from torch.nn import functional as F
d_model = 512  # model hidden dim
num_heads = 8  # number of heads
d_k = d_model // num_heads  # dimension of each head
class MultiheadAttention(nn.Module):
    def __init__(self):
        super(MultiheadAttention, self).__init__()

        # Q, K, V learnable matrices
        self.w_q = nn.Linear(d_model, d_model)
        self.w_k = nn.Linear(d_model, d_model)
        self.w_v = nn.Linear(d_model, d_model)

        # Linear transformation for concatenated outputs
        self.w_0 = nn.Linear(d_model, d_model)

    def forward(self, q, k, v, mask=None):
        """q: (B, T, d_model), k and v: (B, S, d_model), mask: bool, True = may attend. Returns (B, T, d_model)."""
        batch_size = q.shape[0]
        q = self.w_q(q).view(batch_size, -1, num_heads, d_k).transpose(1, 2)  # (B, H, T, d_k)
        k = self.w_k(k).view(batch_size, -1, num_heads, d_k).transpose(1, 2)  # (B, H, S, d_k)
        v = self.w_v(v).view(batch_size, -1, num_heads, d_k).transpose(1, 2)  # (B, H, S, d_k)

        attn_values = self.self_attention(q, k, v, mask=mask)  # (B, H, T, d_k)
        attn_values = attn_values.transpose(1, 2).contiguous().view(batch_size, -1, d_model)  # (B, T, d_model)
        return self.w_0(attn_values)

    def self_attention(self, q, k, v, mask=None):
        """Per-head tensors (B, H, T, d_k), (B, H, S, d_k); mask (B, T, S) or (B, 1, S). Returns (B, H, T, d_k)."""
        attn_scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(d_k)  # (B, H, T, S)
        if mask is not None:
            mask = mask.unsqueeze(1)  # a head axis: (B, 1, T, S) or (B, 1, 1, S)
            attn_scores = attn_scores.masked_fill(mask == False, float("-inf"))
        attn_dists = F.softmax(attn_scores, dim=-1)
        return torch.matmul(attn_dists, v)
def make_padding_mask(batch, pad_id=0):
    """batch: (B, L) token ids. Returns (B, 1, L) bool, True = a real token."""
    return (batch != pad_id).unsqueeze(1)


def make_nopeak_mask(max_len, device=None):
    """Returns (1, L, L) bool, True on and below the diagonal."""
    return torch.tril(torch.ones((1, max_len, max_len), dtype=torch.bool, device=device))


def make_mask(batch, pad_id=0):
    """(B, L, L) bool: padding mask and no-peak mask together, on the batch's device."""
    return make_padding_mask(batch, pad_id) | make_nopeak_mask(batch.shape[1], device=batch.device)
