# F.scaled_dot_product_attention, explicit keyword sizes, the mask made bool with a head axis in self_attention.
import torch
from torch import nn
from torch.nn import functional as F


class MultiheadAttention(nn.Module):
    def __init__(self, d_model=512, num_heads=8):
        super().__init__()
        self.num_heads = num_heads
        self.w_q, self.w_k = nn.Linear(d_model, d_model), nn.Linear(d_model, d_model)
        self.w_v, self.w_0 = nn.Linear(d_model, d_model), nn.Linear(d_model, d_model)

    def forward(self, q, k, v, mask=None):
        B, D = q.shape[0], q.shape[-1]
        heads = lambda x: x.reshape(B, -1, self.num_heads, D // self.num_heads).transpose(1, 2)
        out = self.self_attention(heads(self.w_q(q)), heads(self.w_k(k)), heads(self.w_v(v)), mask)
        return self.w_0(out.transpose(1, 2).reshape(B, -1, D))

    def self_attention(self, q, k, v, mask=None):
        return F.scaled_dot_product_attention(q, k, v, attn_mask=None if mask is None else mask.unsqueeze(1).bool())


def make_src_mask(src, pad_id=0):
    return src.ne(pad_id).unsqueeze(1)
