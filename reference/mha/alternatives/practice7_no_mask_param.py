# The course's practice-7 module, verbatim style: course globals, self_attention without a mask parameter.
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
        self.w_q = nn.Linear(d_model, d_model)
        self.w_k = nn.Linear(d_model, d_model)
        self.w_v = nn.Linear(d_model, d_model)
        self.w_0 = nn.Linear(d_model, d_model)

    def forward(self, q, k, v):
        batch_size = q.shape[0]
        q = self.w_q(q).view(batch_size, -1, num_heads, d_k).transpose(1, 2)
        k = self.w_k(k).view(batch_size, -1, num_heads, d_k).transpose(1, 2)
        v = self.w_v(v).view(batch_size, -1, num_heads, d_k).transpose(1, 2)
        attn_values = self.self_attention(q, k, v)
        concat_output = attn_values.transpose(1, 2).contiguous().view(batch_size, -1, d_model)
        return self.w_0(concat_output)

    def self_attention(self, q, k, v):
        attn_scores = torch.matmul(q, k.transpose(-2, -1))
        attn_scores = attn_scores / math.sqrt(d_k)
        attn_dists = F.softmax(attn_scores, dim=-1)
        attn_values = torch.matmul(attn_dists, v)
        return attn_values
