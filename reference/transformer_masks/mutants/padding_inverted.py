# %% [markdown]
# # PyTorch's `nn.Transformer` mask conventions
#
# PyTorch's conventions are the **opposite** of the course's: for `nn.Transformer*` layers a bool mask is
# True where attention is **blocked**, and a float mask adds `-inf` where it is blocked.
# * `make_causal_mask(size)` → `(S, S)`: bool with True = blocked, or float with `-inf` = blocked (what
#   `nn.Transformer.generate_square_subsequent_mask` returns). Pass it as `mask=` / `src_mask=`.
# * `make_key_padding_mask(tokens, pad_id=0)` → `(B, S)` bool, True = padding. Pass it as `src_key_padding_mask=`.
# * `combine_masks(causal_mask, key_padding_mask)` → `(B, S, S)` bool in the **course** convention
#   (True = may attend), from the two bool masks above.
import torch
from torch import nn
def make_causal_mask(size):
    return torch.triu(torch.ones(size, size, dtype=torch.bool), diagonal=1)


def make_key_padding_mask(tokens, pad_id=0):
    return tokens != pad_id


def combine_masks(causal_mask, key_padding_mask):
    return ~causal_mask.unsqueeze(0) & ~key_padding_mask.unsqueeze(1)
