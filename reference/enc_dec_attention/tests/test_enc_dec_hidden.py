"""Hidden tests of encoder-decoder attention: T ≠ S, source padding, keys and values from the encoder."""
import pytest
import torch

from grader.testing import attention as ac
from grader.testing import feedback

NAMES = ("keys_from_decoder", "scale_d_model", "mask_inverted", "mask_query_axis")


@pytest.mark.points(2)
@pytest.mark.parametrize("B, T, S, d_model, heads", [(3, 5, 9, 24, 6), (1, 8, 3, 16, 2)])
def test_values_t_not_s(student, reference, device, B, T, S, d_model, heads):
    """Exact values with target and source lengths that differ, with source padding."""
    src = ac.tokens_with_padding(B, S, [max(1, S - 2 * b) for b in range(B)], seed=S)
    ac.check_values(student, reference, B, T, S, d_model, heads, device, mask=(src != 0).unsqueeze(1), names=NAMES)


@pytest.mark.points(1)
def test_cross_attention_weights(student, device):
    """Scores are (B, H, T, S): read the (2, 4, 3, 6) distribution, padding exactly zero."""
    src = ac.tokens_with_padding(2, 6, [6, 4], seed=4)
    ac.check_weights(student, 2, 3, 6, 16, 4, mask=(src != 0).unsqueeze(1), device=device)


@pytest.mark.points(2)
def test_source_padding_is_ignored(student, device):
    """Changing the encoder output at padded source positions leaves the decoder output unchanged."""
    module, _ = ac.build(student, 16, 4, device)
    src = ac.tokens_with_padding(2, 7, [5, 3], seed=9)
    mask = ac.run(student.make_src_mask, src)
    dec, enc = torch.randn(2, 4, 16), torch.randn(2, 7, 16)
    enc2 = enc.clone()
    enc2[src == 0] = torch.randn(int((src == 0).sum()), 16)
    a, b = ac.output(module, dec, enc, mask), ac.output(module, dec, enc2, mask)
    if type(a) is not torch.Tensor or a.shape != (2, 4, 16):
        raise feedback("The output must be (2, 4, 16) for 4 decoder and 7 encoder positions.",
                       got=tuple(a.shape) if type(a) is torch.Tensor else a)
    if not torch.allclose(a, b, atol=ac.ATOL, rtol=ac.RTOL):
        raise feedback("Changing padded encoder positions changed the decoder's output.",
                       hint=ac.MISTAKES["mask_query_axis"])


@pytest.mark.points(2)
def test_keys_and_values_come_from_the_encoder(student, device):
    """Changing the encoder output (real positions) must change the decoder's output."""
    module, _ = ac.build(student, 16, 4, device)
    dec, enc = torch.randn(2, 4, 16), torch.randn(2, 7, 16)
    a, b = ac.output(module, dec, enc), ac.output(module, dec, torch.randn(2, 7, 16))
    if type(a) is not torch.Tensor or a.shape != (2, 4, 16):
        raise feedback("The output must be (2, 4, 16) for 4 decoder and 7 encoder positions.")
    if torch.allclose(a, b, atol=ac.ATOL, rtol=ac.RTOL):
        raise feedback("The decoder's output does not depend on the encoder output.",
                       hint=ac.MISTAKES["keys_from_decoder"])
