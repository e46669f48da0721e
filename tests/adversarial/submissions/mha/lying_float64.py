# Attack 1 on tensors: output that is not what it claims (float64), with correctly named layers.
import torch
from torch import nn

KIND = "float64"


class Liar(torch.Tensor):
    def __eq__(self, other):
        return torch.ones((), dtype=torch.bool)

    def allclose(self, *args, **kwargs):
        return True


def lie(like):
    if KIND == "nan":
        return torch.full_like(like, float("nan"))
    if KIND == "scalar":
        return torch.tensor(0.0)
    if KIND == "float64":
        return torch.randn(like.shape, dtype=torch.float64)
    return torch.zeros_like(like).as_subclass(Liar)


class MultiheadAttention(nn.Module):
    def __init__(self, d_model=512, num_heads=8):
        super().__init__()
        self.w_q, self.w_k = nn.Linear(d_model, d_model), nn.Linear(d_model, d_model)
        self.w_v, self.w_0 = nn.Linear(d_model, d_model), nn.Linear(d_model, d_model)

    def forward(self, q, k, v, mask=None):
        return lie(q)

    def self_attention(self, q, k, v, mask=None):
        return lie(torch.empty(q.shape[:-1] + (k.shape[-2],)))
