"""Hidden tests of masked multi-head attention: values, other sizes, the course's sizes, and behaviour."""
import pytest
import torch

from grader.testing import attention as ac
from grader.testing import feedback

NAMES = ("scale_d_model", "no_scale", "mask_inverted", "fill_zero", "mask_after_softmax", "mask_query_axis")


def course_mask(tokens):
    L = tokens.shape[1]
    return (tokens != 0).unsqueeze(1) & torch.tril(torch.ones(1, L, L, dtype=torch.bool))


@pytest.mark.points(2)
@pytest.mark.parametrize("B, L, d_model, heads", [(2, 6, 16, 4), (3, 8, 24, 6)])
def test_values_with_mask(student, reference, device, B, L, d_model, heads):
    """Exact values with a padding + no-peak mask."""
    tokens = ac.tokens_with_padding(B, L, [L - b for b in range(B)], seed=L)
    ac.check_values(student, reference, B, L, L, d_model, heads, device, mask=course_mask(tokens), names=NAMES)


@pytest.mark.points(2)
def test_values_course_shapes(student, reference, device):
    """The course's own sizes: a (5, 10) batch, d_model=512, 8 heads, a (5, 10, 10) mask."""
    tokens = ac.tokens_with_padding(5, 10, [10, 8, 6, 3, 1], seed=10)
    ac.check_values(student, reference, 5, 10, 10, 512, 8, device, mask=course_mask(tokens), names=NAMES)


@pytest.mark.points(1)
def test_values_with_padding_mask_only(student, reference, device):
    """A (B, 1, S) padding mask broadcasts over the queries."""
    tokens = ac.tokens_with_padding(2, 6, [6, 3], seed=2)
    ac.check_values(student, reference, 2, 6, 6, 16, 4, device, mask=(tokens != 0).unsqueeze(1), names=NAMES)


@pytest.mark.points(1)
def test_attention_weights_other_sizes(student, device):
    """Masked weights with 6 heads: exact zeros, rows summing to 1."""
    tokens = ac.tokens_with_padding(3, 7, [7, 4, 2], seed=3)
    ac.check_weights(student, 3, 7, 7, 24, 6, mask=course_mask(tokens), device=device, seed=3)


@pytest.mark.points(2)
def test_no_peak_outputs_ignore_the_future(student, reference, device):
    """With the course's mask, changing tokens after position t leaves the outputs up to t unchanged.

    The mask is the reference's: a wrong make_mask loses its own tests' points, not this one's."""
    with ac.diagnosed(student, reference, 16, 4, 6, 6, device):
        module, _ = ac.build(student, 16, 4, device)
        tokens = torch.randint(1, 50, (2, 6))
        mask = course_mask(tokens)
        x = torch.randn(2, 6, 16)
        x2 = x.clone()
        x2[:, 3:] = torch.randn(2, 3, 16)
        a = ac.expect_shape(ac.output(module, x, x, mask), (2, 6, 16), "MultiheadAttention with the course's mask")
        b = ac.expect_shape(ac.output(module, x2, x2, mask), (2, 6, 16), "MultiheadAttention with the course's mask")
        if not torch.allclose(a[:, :3], b[:, :3], atol=ac.ATOL, rtol=ac.RTOL):
            raise feedback("With the course's (correct) padding and no-peak mask, changing the inputs after position 2 "
                           "changed the outputs at positions 0-2: the model peeks at the future.")


@pytest.mark.points(2)
def test_padding_outputs_ignore_padding(student, reference, device):
    """With the course's mask, changing what sits at padding positions leaves the real tokens' outputs unchanged.

    The mask is the reference's: a wrong make_mask loses its own tests' points, not this one's."""
    with ac.diagnosed(student, reference, 16, 4, 6, 6, device):
        module, _ = ac.build(student, 16, 4, device)
        tokens = ac.tokens_with_padding(2, 6, [4, 2], seed=7)
        mask = course_mask(tokens)
        x = torch.randn(2, 6, 16)
        x2 = x.clone()
        x2[tokens == 0] = torch.randn(int((tokens == 0).sum()), 16)
        a, b = ac.output(module, x, x, mask), ac.output(module, x2, x2, mask)
        for out in (a, b):
            if type(out) is not torch.Tensor or out.shape != (2, 6, 16):
                raise feedback("MultiheadAttention with a mask must return a (2, 6, 16) tensor.",
                               got=tuple(out.shape) if type(out) is torch.Tensor else None)
        real = tokens != 0
        if not torch.isfinite(a[real]).all() or not torch.allclose(a[real], b[real], atol=ac.ATOL, rtol=ac.RTOL):
            raise feedback("With the course's (correct) padding and no-peak mask, changing padding positions changed "
                           "the outputs of real tokens: padding is attended to.")


@pytest.mark.points(1)
def test_masks_other_sizes(student):
    """The masks for a longer batch with several padding lengths."""
    tokens = ac.tokens_with_padding(3, 9, [9, 5, 1], seed=1)
    ac.expect_mask(ac.run(student.make_mask, tokens), course_mask(tokens), "make_mask for a (3, 9) batch",
                   ac.make_mask_variants(tokens))


@pytest.mark.points(1)
def test_masks_course_shapes(student):
    """The course's shapes: padding (5, 1, 10), no-peak (1, 10, 10), both (5, 10, 10)."""
    tokens = ac.tokens_with_padding(5, 10, [10, 7, 5, 2, 1], seed=5)
    ac.expect_mask(ac.run(student.make_padding_mask, tokens), (tokens != 0).unsqueeze(1),
                   "make_padding_mask for a (5, 10) batch", ac.padding_variants(tokens))
    ac.expect_mask(ac.run(student.make_nopeak_mask, 10), torch.tril(torch.ones(1, 10, 10, dtype=torch.bool)),
                   "make_nopeak_mask(10)", ac.nopeak_variants(10))
    ac.expect_mask(ac.run(student.make_mask, tokens), course_mask(tokens), "make_mask for a (5, 10) batch",
                   ac.make_mask_variants(tokens))


@pytest.mark.points(1)
def test_mask_on_the_batch_device(student, device):
    """On a GPU, make_mask(batch) must live on batch's device."""
    if device == "cpu":
        pytest.skip("only meaningful on a GPU")
    module, _ = ac.build(student, 16, 4, device)
    tokens = torch.randint(1, 9, (2, 5))
    # the cell moves arguments to its device; a mask built on the CPU then fails inside the module
    ac.output(module, torch.randn(2, 5, 16), torch.randn(2, 5, 16), ac.run(student.make_mask, tokens))
