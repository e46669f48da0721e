"""Public tests of PyTorch's nn.Transformer mask conventions (True / -inf = blocked)."""
import pytest
import torch

from grader.testing import attention as ac
from grader.testing import feedback


@pytest.mark.points(2)
def test_causal_mask(student):
    """make_causal_mask(4): (4, 4), blocking the future (bool True or float -inf)."""
    got = ac.as_blocked(ac.run(student.make_causal_mask, 4), "make_causal_mask(4)")
    ac.expect_mask(got, torch.triu(torch.ones(4, 4, dtype=torch.bool), diagonal=1),
                   "make_causal_mask(4)", ac.causal_variants(4), convention="shown as True = blocked")


@pytest.mark.points(1)
def test_key_padding_mask(student):
    """make_key_padding_mask(tokens): (B, S) bool, True = padding."""
    tokens = torch.tensor([[5, 6, 7, 0], [8, 9, 0, 0]])
    got = ac.run(student.make_key_padding_mask, tokens)
    ac.expect_mask(got, tokens == 0, "make_key_padding_mask", {"inverted": (tokens != 0, ac.PADDING_BLOCKED_HINT)},
                   convention="True = padding")
    if got.dtype != torch.bool:
        raise feedback(f"make_key_padding_mask returned {got.dtype}; nn.Transformer's src_key_padding_mask is "
                          "bool (True = padding).")


@pytest.mark.points(2)
def test_combine_masks(student):
    """combine_masks(causal, key_padding): (B, S, S) in the course convention, True = may attend."""
    causal = torch.triu(torch.ones(4, 4, dtype=torch.bool), diagonal=1)
    kpm = torch.tensor([[False, False, False, True], [False, False, True, True]])
    ac.expect_mask(ac.run(student.combine_masks, causal, kpm), ~causal.unsqueeze(0) & ~kpm.unsqueeze(1),
                   "combine_masks", ac.combine_variants(causal, kpm))
