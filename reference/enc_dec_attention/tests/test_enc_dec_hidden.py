"""Hidden tests of encoder-decoder attention: T ≠ S, source padding, keys and values from the encoder,
the course's sizes."""
import pytest
import torch

from grader.testing import attention as ac
from grader.testing import feedback

NAMES = ("keys_from_decoder", "scale_d_model", "no_scale", "mask_inverted", "mask_query_axis", "fill_zero")


def src_mask_hint(got, src):
    """A hint about make_src_mask only when it equals a known mistake's mask."""
    for variant, hint in ac.padding_variants(src).values():
        if type(got) is torch.Tensor and got.shape == variant.shape and torch.equal(got.bool(), variant):
            return "With your make_src_mask", hint
    right = (src != 0).unsqueeze(1)
    if type(got) is torch.Tensor and got.shape == right.shape and torch.equal(got.bool(), right):
        return "Your make_src_mask is right, but with it", None
    return "With your make_src_mask (it differs from the expected mask; see test_src_mask)", None


@pytest.mark.points(2)
@pytest.mark.parametrize("B, T, S, d_model, heads", [(3, 5, 9, 24, 6), (1, 8, 3, 16, 2)])
def test_values_t_not_s(student, reference, device, B, T, S, d_model, heads):
    """Exact values with target and source lengths that differ, with source padding."""
    src = ac.tokens_with_padding(B, S, [max(1, S - 2 * b) for b in range(B)], seed=S)
    ac.check_values(student, reference, B, T, S, d_model, heads, device, mask=(src != 0).unsqueeze(1), names=NAMES)


@pytest.mark.points(2)
def test_values_course_shapes(student, reference, device):
    """The course's sizes: 12 decoder and 10 encoder positions, batch 5, d_model=512, 8 heads, mask (5, 1, 10)."""
    src = ac.tokens_with_padding(5, 10, [10, 9, 7, 4, 2], seed=12)
    ac.check_values(student, reference, 5, 12, 10, 512, 8, device, mask=(src != 0).unsqueeze(1), names=NAMES)


@pytest.mark.points(1)
def test_cross_attention_weights(student, device):
    """Scores are (B, H, T, S): read the (2, 4, 3, 6) distribution, padding exactly zero."""
    src = ac.tokens_with_padding(2, 6, [6, 4], seed=4)
    ac.check_weights(student, 2, 3, 6, 16, 4, mask=(src != 0).unsqueeze(1), device=device)


@pytest.mark.points(1)
def test_cross_attention_weights_course_shapes(student, device):
    """The course's scores shape (5, 2, 12, 10): 2 heads of d_k = 64, source mask (5, 1, 10)."""
    src = ac.tokens_with_padding(5, 10, [10, 8, 6, 3, 1], seed=13)
    ac.check_weights(student, 5, 12, 10, 128, 2, mask=(src != 0).unsqueeze(1), device=device, seed=13)


@pytest.mark.points(1)
def test_src_mask_course_shapes(student):
    """make_src_mask for the course's (5, 10) source batch is (5, 1, 10)."""
    src = ac.tokens_with_padding(5, 10, [10, 8, 6, 3, 1], seed=14)
    ac.expect_mask(ac.run(student.make_src_mask, src), (src != 0).unsqueeze(1), "make_src_mask for a (5, 10) batch",
                   ac.padding_variants(src))


@pytest.mark.points(2)
def test_source_padding_is_ignored(student, reference, device):
    """Changing the encoder output at padded source positions leaves the decoder output unchanged."""
    with ac.diagnosed(student, reference, 16, 4, 4, 7, device):
        module, _ = ac.build(student, 16, 4, device)
        src = ac.tokens_with_padding(2, 7, [5, 3], seed=9)
        mask = ac.run(student.make_src_mask, src)
        dec, enc = torch.randn(2, 4, 16), torch.randn(2, 7, 16)
        enc2 = enc.clone()
        enc2[src == 0] = torch.randn(int((src == 0).sum()), 16)
        what = "The output for 4 decoder and 7 encoder positions"
        a = ac.expect_shape(ac.output(module, dec, enc, mask), (2, 4, 16), what)
        b = ac.expect_shape(ac.output(module, dec, enc2, mask), (2, 4, 16), what)
        if not torch.allclose(a, b, atol=ac.ATOL, rtol=ac.RTOL):
            said, hint = src_mask_hint(mask, src)
            raise feedback(f"{said}, changing padded encoder positions changed the decoder's output.", hint=hint)


@pytest.mark.points(2)
def test_keys_and_values_come_from_the_encoder(student, reference, device):
    """Changing the encoder output (real positions) must change the decoder's output."""
    with ac.diagnosed(student, reference, 16, 4, 4, 7, device):
        module, _ = ac.build(student, 16, 4, device)
        dec, enc = torch.randn(2, 4, 16), torch.randn(2, 7, 16)
        what = "The output for 4 decoder and 7 encoder positions"
        a = ac.expect_shape(ac.output(module, dec, enc), (2, 4, 16), what)
        b = ac.expect_shape(ac.output(module, dec, torch.randn(2, 7, 16)), (2, 4, 16), what)
        if torch.allclose(a, b, atol=ac.ATOL, rtol=ac.RTOL):
            own = ac.output(module, dec, dec)
            confirmed = type(own) is torch.Tensor and own.shape == a.shape and \
                torch.allclose(own, a, atol=ac.ATOL, rtol=ac.RTOL)
            raise feedback("The decoder's output does not depend on the encoder output.",
                           hint=ac.MISTAKES["keys_from_decoder"] if confirmed else None)
