"""Public tests of encoder-decoder attention (practice 8, part 2)."""
import pytest
import torch

from grader.testing import attention as ac

SRC = torch.tensor([[4, 5, 6, 7, 8, 0, 0], [4, 5, 6, 0, 0, 0, 0]])


@pytest.mark.points(1)
def test_src_mask(student):
    """make_src_mask(src) is (B, 1, S), True on real source tokens."""
    ac.expect_mask(ac.run(student.make_src_mask, SRC), (SRC != 0).unsqueeze(1), "make_src_mask",
                   ac.padding_variants(SRC))


@pytest.mark.points(2)
def test_cross_attention_values(student, reference, device):
    """Decoder queries (2, 4, 16) attend to encoder output (2, 7, 16) under the source mask."""
    ac.check_values(student, reference, 2, 4, 7, 16, 4, device, mask=(SRC != 0).unsqueeze(1),
                    names=("keys_from_decoder", "scale_d_model", "no_scale", "mask_inverted", "fill_zero"))
