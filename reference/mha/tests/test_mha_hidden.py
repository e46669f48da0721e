"""Hidden tests of multi-head attention (practice 7): more sizes and seeds, and behaviour."""
import pytest
import torch

from grader.testing import attention as ac

SIZES = [(3, 7, 24, 6), (1, 4, 32, 8), (2, 9, 12, 3)]
MISTAKES = ("scale_d_model", "view_no_transpose", "softmax_wrong_axis", "no_output_projection")


@pytest.mark.points(1)
@pytest.mark.parametrize("B, L, d_model, heads", SIZES)
def test_shapes_other_sizes(student, device, B, L, d_model, heads):
    """Output shape for several (B, L, d_model, heads): nothing may be hard-coded."""
    module, style = ac.build(student, d_model, heads, device)
    x = torch.randn(B, L, d_model)
    ac.expect_shape(ac.run(module, x, x, x), (B, L, d_model),
                    f"MultiheadAttention(d_model={d_model}, num_heads={heads}) [{style}]")


@pytest.mark.points(2)
@pytest.mark.parametrize("B, L, d_model, heads", SIZES)
def test_values_other_sizes(student, reference, device, B, L, d_model, heads):
    """Exact values for several sizes and seeds."""
    ac.check_values(student, reference, B, L, L, d_model, heads, device, seed=B * 100 + L, names=MISTAKES)


@pytest.mark.points(1)
def test_attention_weights_other_sizes(student, device):
    """The attention distribution with d_k ≠ L and several heads."""
    ac.check_weights(student, 3, 6, 6, 24, 6, device=device, seed=5)


@pytest.mark.points(1)
def test_permuting_the_sequence_permutes_the_output(student, device):
    """Without a mask, attention is permutation-equivariant."""
    module, _ = ac.build(student, 16, 4, device)
    x = torch.randn(2, 6, 16)
    perm = torch.tensor([3, 0, 5, 1, 4, 2])
    out = ac.expect_shape(ac.output(module, x, x), (2, 6, 16), "MultiheadAttention")
    out_p = ac.output(module, x[:, perm], x[:, perm])
    ac.expect_close(out_p, out[:, perm], "Output for a permuted sequence")


@pytest.mark.points(1)
def test_cross_attention_shapes(student, device):
    """Queries and keys may have different lengths: (B, T, d) with (B, S, d) gives (B, T, d)."""
    module, _ = ac.build(student, 16, 4, device)
    out = ac.run(module, torch.randn(2, 3, 16), torch.randn(2, 7, 16), torch.randn(2, 7, 16))
    ac.expect_shape(out, (2, 3, 16), "With 3 queries and 7 keys the output",
                    hint="use view(batch_size, -1, num_heads, d_k): the length of q and of k may differ")
