"""Public tests of masked multi-head attention (practice 8, part 1). Masks: True = may attend."""
import pytest
import torch

from grader.testing import attention as ac
from grader.testing import feedback

TOKENS = torch.tensor([[5, 7, 9, 0, 0], [3, 4, 6, 8, 2]])


def expect_mask(got, expected, what, wrong=None):
    if type(got) is not torch.Tensor:
        raise feedback(f"{what} must return a tensor.", got=got)
    for name, (variant, hint) in (wrong or {}).items():
        if got.shape == variant.shape and torch.equal(got.bool(), variant):
            raise feedback(f"{what} is wrong.", expected=expected.int().tolist(), got=got.int().tolist(), hint=hint)
    if got.shape != expected.shape or not torch.equal(got.bool(), expected):
        raise feedback(f"{what} is wrong.", expected=expected.int().tolist(),
                       got=got.int().tolist() if got.numel() < 200 else tuple(got.shape))


@pytest.mark.points(1)
def test_padding_mask(student):
    """make_padding_mask(batch) is (B, 1, L), True on real tokens."""
    expected = (TOKENS != 0).unsqueeze(1)
    expect_mask(ac.run(student.make_padding_mask, TOKENS), expected, "make_padding_mask",
                {"query": ((TOKENS != 0).unsqueeze(2), ac.MISTAKES["mask_query_axis"]),
                 "inverted": ((TOKENS == 0).unsqueeze(1), ac.MISTAKES["mask_inverted"])})


@pytest.mark.points(1)
def test_nopeak_mask(student):
    """make_nopeak_mask(L) is (1, L, L), lower-triangular."""
    expected = torch.tril(torch.ones(1, 4, 4, dtype=torch.bool))
    expect_mask(ac.run(student.make_nopeak_mask, 4), expected, "make_nopeak_mask(4)",
                {"triu": (torch.triu(torch.ones(1, 4, 4, dtype=torch.bool)),
                          "this is triu: a position must see itself and the past, which is torch.tril")})


@pytest.mark.points(1)
def test_make_mask(student):
    """make_mask(batch) is (B, L, L): padding and no-peak together."""
    expected = (TOKENS != 0).unsqueeze(1) & torch.tril(torch.ones(1, 5, 5, dtype=torch.bool))
    expect_mask(ac.run(student.make_mask, TOKENS), expected, "make_mask")


@pytest.mark.points(2)
def test_masked_positions_get_zero_attention(student, device):
    """With a mask, rows still sum to 1 and masked entries are exactly 0."""
    mask = (TOKENS != 0).unsqueeze(1) & torch.tril(torch.ones(1, 5, 5, dtype=torch.bool))
    ac.check_weights(student, 2, 5, 5, 16, 4, mask=mask, device=device)
