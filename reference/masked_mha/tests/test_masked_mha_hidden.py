"""Hidden tests of masked multi-head attention: values, other sizes, and behaviour."""
import pytest
import torch

from grader.testing import attention as ac
from grader.testing import feedback

NAMES = ("scale_d_model", "mask_inverted", "fill_zero", "mask_after_softmax", "mask_query_axis")


def course_mask(tokens):
    return (tokens != 0).unsqueeze(1) & torch.tril(torch.ones(1, tokens.shape[1], tokens.shape[1], dtype=torch.bool))


@pytest.mark.points(2)
@pytest.mark.parametrize("B, L, d_model, heads", [(2, 6, 16, 4), (3, 8, 24, 6)])
def test_values_with_mask(student, reference, device, B, L, d_model, heads):
    """Exact values with a padding + no-peak mask."""
    tokens = ac.tokens_with_padding(B, L, [L - b for b in range(B)], seed=L)
    ac.check_values(student, reference, B, L, L, d_model, heads, device, mask=course_mask(tokens), names=NAMES)


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
def test_no_peak_outputs_ignore_the_future(student, device):
    """With make_mask, changing tokens after position t leaves the outputs up to t unchanged."""
    module, _ = ac.build(student, 16, 4, device)
    tokens = torch.randint(1, 50, (2, 6))
    mask = ac.run(student.make_mask, tokens)
    x = torch.randn(2, 6, 16)
    x2 = x.clone()
    x2[:, 3:] = torch.randn(2, 3, 16)
    a, b = ac.output(module, x, x, mask), ac.output(module, x2, x2, mask)
    if type(a) is not torch.Tensor or type(b) is not torch.Tensor or a.shape != (2, 6, 16):
        raise feedback("MultiheadAttention with make_mask must return a (2, 6, 16) tensor.")
    if not torch.allclose(a[:, :3], b[:, :3], atol=ac.ATOL, rtol=ac.RTOL):
        raise feedback("Changing tokens after position 2 changed the outputs at positions 0-2: the model peeks at "
                       "the future.", hint="the no-peak mask must be lower-triangular (torch.tril), True = may attend")


@pytest.mark.points(2)
def test_padding_outputs_ignore_padding(student, device):
    """With make_mask, changing what sits at padding positions leaves the real tokens' outputs unchanged."""
    module, _ = ac.build(student, 16, 4, device)
    tokens = ac.tokens_with_padding(2, 6, [4, 2], seed=7)
    mask = ac.run(student.make_mask, tokens)
    x = torch.randn(2, 6, 16)
    x2 = x.clone()
    x2[tokens == 0] = torch.randn(int((tokens == 0).sum()), 16)
    a, b = ac.output(module, x, x, mask), ac.output(module, x2, x2, mask)
    real = tokens != 0
    if type(a) is not torch.Tensor or type(b) is not torch.Tensor or a.shape != (2, 6, 16):
        raise feedback("MultiheadAttention with make_mask must return a (2, 6, 16) tensor.")
    if not torch.isfinite(a[real]).all() or not torch.allclose(a[real], b[real], atol=ac.ATOL, rtol=ac.RTOL):
        raise feedback("Changing padding positions changed the outputs of real tokens: padding is attended to.",
                       hint=ac.MISTAKES["mask_query_axis"])


@pytest.mark.points(1)
def test_masks_other_sizes(student):
    """The masks for a longer batch with several padding lengths."""
    tokens = ac.tokens_with_padding(3, 9, [9, 5, 1], seed=1)
    got = ac.run(student.make_mask, tokens)
    if type(got) is not torch.Tensor or got.shape != (3, 9, 9) or not torch.equal(got.bool(), course_mask(tokens)):
        raise feedback("make_mask is wrong for a (3, 9) batch.", expected="(3, 9, 9) bool")


@pytest.mark.points(1)
def test_mask_on_the_batch_device(student, device):
    """On a GPU, make_mask(batch) must live on batch's device."""
    if device == "cpu":
        pytest.skip("only meaningful on a GPU")
    module, _ = ac.build(student, 16, 4, device)
    tokens = torch.randint(1, 9, (2, 5))
    # the cell moves arguments to its device; a mask built on the CPU then fails inside the module
    ac.output(module, torch.randn(2, 5, 16), torch.randn(2, 5, 16), ac.run(student.make_mask, tokens))
