"""Hidden tests of multi-head attention (practice 7): more sizes and seeds, the course's own sizes, behaviour."""
import pytest
import torch

from grader.testing import attention as ac

SIZES = [(3, 7, 24, 6), (1, 4, 32, 8), (2, 9, 12, 3)]
MISTAKES = ("scale_d_model", "no_scale", "view_no_transpose", "softmax_wrong_axis", "no_output_projection")


@pytest.mark.points(1)
@pytest.mark.parametrize("B, L, d_model, heads", SIZES)
def test_shapes_other_sizes(student, reference, device, B, L, d_model, heads):
    """Output shape for several (B, L, d_model, heads): nothing may be hard-coded."""
    ac.check_shape(student, reference, B, L, L, d_model, heads, device)


@pytest.mark.points(2)
@pytest.mark.parametrize("B, L, d_model, heads", SIZES)
def test_values_other_sizes(student, reference, device, B, L, d_model, heads):
    """Exact values for several sizes and seeds."""
    ac.check_values(student, reference, B, L, L, d_model, heads, device, seed=B * 100 + L, names=MISTAKES)


@pytest.mark.points(2)
def test_values_course_shapes(student, reference, device):
    """The course's own sizes: a (10, 20, 512) batch, 8 heads of 64."""
    ac.check_values(student, reference, 10, 20, 20, 512, 8, device, seed=7, names=MISTAKES)


@pytest.mark.points(1)
def test_attention_weights_other_sizes(student, device):
    """The attention distribution with d_k ≠ L and several heads."""
    ac.check_weights(student, 3, 6, 6, 24, 6, device=device, seed=5)


@pytest.mark.points(1)
def test_attention_weights_course_shapes(student, device):
    """The attention distribution at the course's sizes: scores (10, 8, 20, 20), d_k = 64."""
    ac.check_weights(student, 10, 20, 20, 512, 8, device=device, seed=6)


@pytest.mark.points(1)
def test_permuting_the_sequence_permutes_the_output(student, reference, device):
    """Without a mask, attention is permutation-equivariant."""
    with ac.diagnosed(student, reference, 16, 4, 6, 6, device):
        module, _ = ac.build(student, 16, 4, device)
        x = torch.randn(2, 6, 16)
        perm = torch.tensor([3, 0, 5, 1, 4, 2])
        out = ac.expect_shape(ac.output(module, x, x), (2, 6, 16), "MultiheadAttention")
        out_p = ac.output(module, x[:, perm], x[:, perm])
        ac.expect_close(out_p, out[:, perm], "The output for a permuted sequence",
                         against="the permuted output for the original sequence")


@pytest.mark.points(1)
def test_cross_attention_shapes(student, reference, device):
    """Queries and keys may have different lengths: (B, T, d) with (B, S, d) gives (B, T, d)."""
    ac.check_shape(student, reference, 2, 3, 7, 16, 4, device)
