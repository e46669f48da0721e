"""Public tests of masked multi-head attention (practice 8, part 1). Masks: True = may attend."""
import pytest
import torch

from grader.testing import attention as ac

TOKENS = torch.tensor([[5, 7, 9, 0, 0], [3, 4, 6, 8, 2]])


@pytest.mark.points(1)
def test_padding_mask(student):
    """make_padding_mask(batch) is (B, 1, L), True on real tokens."""
    ac.expect_mask(ac.run(student.make_padding_mask, TOKENS), (TOKENS != 0).unsqueeze(1), "make_padding_mask",
                   ac.padding_variants(TOKENS))


@pytest.mark.points(1)
def test_nopeak_mask(student):
    """make_nopeak_mask(L) is (1, L, L), lower-triangular."""
    ac.expect_mask(ac.run(student.make_nopeak_mask, 4), ac.nopeak(4), "make_nopeak_mask(4)", ac.nopeak_variants(4))


@pytest.mark.points(1)
def test_make_mask(student):
    """make_mask(batch) is (B, L, L): padding and no-peak together."""
    expected = (TOKENS != 0).unsqueeze(1) & ac.nopeak(5)
    ac.expect_mask(ac.run(student.make_mask, TOKENS), expected, "make_mask", ac.make_mask_variants(TOKENS))


@pytest.mark.points(2)
def test_masked_positions_get_zero_attention(student, device):
    """With a mask, rows still sum to 1 and masked entries are exactly 0."""
    mask = (TOKENS != 0).unsqueeze(1) & ac.nopeak(5)
    ac.check_weights(student, 2, 5, 5, 16, 4, mask=mask, device=device)
