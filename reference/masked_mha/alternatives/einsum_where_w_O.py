# einsum, torch.where with -inf, the output layer named w_O, uint8 no-peak mask.
import torch
from torch import nn

d_model = 512
num_heads = 8
d_k = d_model // num_heads


class MultiheadAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.w_q = nn.Linear(d_model, d_model)
        self.w_k = nn.Linear(d_model, d_model)
        self.w_v = nn.Linear(d_model, d_model)
        self.w_O = nn.Linear(d_model, d_model)

    def forward(self, q, k, v, mask=None):
        B, T, S = q.shape[0], q.shape[1], k.shape[1]
        Q = self.w_q(q).reshape(B, T, num_heads, d_k)
        K = self.w_k(k).reshape(B, S, num_heads, d_k)
        V = self.w_v(v).reshape(B, S, num_heads, d_k)
        out = self.self_attention(Q.transpose(1, 2), K.transpose(1, 2), V.transpose(1, 2), mask)
        return self.w_O(torch.einsum("bhtd->bthd", out).reshape(B, T, d_model))

    def self_attention(self, q, k, v, mask=None):
        scores = torch.einsum("bhqd,bhkd->bhqk", q, k) / d_k ** 0.5
        if mask is not None:
            scores = torch.where(mask.unsqueeze(1).bool(), scores, torch.full_like(scores, float("-inf")))
        weights = scores.softmax(-1)
        return torch.einsum("bhqk,bhkd->bhqd", weights, v)


def make_padding_mask(batch, pad_id=0):
    return (batch != pad_id).view(batch.size(0), 1, batch.size(1))


def make_nopeak_mask(max_len, device=None):
    return torch.ones(1, max_len, max_len, dtype=torch.uint8, device=device).tril()


def make_mask(batch, pad_id=0):
    return make_padding_mask(batch, pad_id) & make_nopeak_mask(batch.shape[1], batch.device).bool()
