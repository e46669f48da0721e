"""Hidden tests: the student's masks drive a real nn.TransformerEncoderLayer (in the trusted parent)."""
import pytest
import torch
from torch import nn

from grader.testing import feedback

COURSE_HINT = ("your causal mask follows the course convention (True = may attend); nn.Transformer expects "
               "True (or -inf) = blocked: tril of ones as src_mask blocks the past and lets the future through")


def layer():
    torch.manual_seed(0)
    return nn.TransformerEncoderLayer(d_model=16, nhead=4, dim_feedforward=32, dropout=0.0, batch_first=True).eval()


def run(enc, x, mask=None, kpm=None):
    with torch.no_grad():
        return enc(x, src_mask=mask, src_key_padding_mask=kpm)


@pytest.mark.points(2)
@pytest.mark.parametrize("S", [5, 9])
def test_causal_mask_makes_the_layer_causal(student, S):
    """Through nn.TransformerEncoderLayer: changing position t+1.. leaves outputs up to t unchanged."""
    mask = student.make_causal_mask(S)
    if type(mask) is not torch.Tensor or mask.shape != (S, S):
        raise feedback(f"make_causal_mask({S}) must return an ({S}, {S}) tensor.")
    enc, x = layer(), torch.randn(2, S, 16)
    x2 = x.clone()
    x2[:, S // 2 + 1:] = torch.randn(2, S - S // 2 - 1, 16)
    a, b = run(enc, x, mask), run(enc, x2, mask)
    if not torch.isfinite(a).all():
        raise feedback("The layer's output has NaN: some position can attend to nothing.",
                       hint="block only the future (j > i); every position must see itself")
    if not torch.allclose(a[:, :S // 2 + 1], b[:, :S // 2 + 1], atol=1e-5):
        raise feedback("With your causal mask the layer still sees the future.", hint=COURSE_HINT)


@pytest.mark.points(2)
def test_key_padding_mask_hides_padding(student):
    """Through the layer: changing padded positions leaves the real tokens' outputs unchanged."""
    tokens = torch.tensor([[5, 6, 7, 0, 0, 0], [8, 9, 4, 3, 2, 0]])
    kpm = student.make_key_padding_mask(tokens)
    if type(kpm) is not torch.Tensor or kpm.shape != tokens.shape or kpm.dtype != torch.bool:
        raise feedback("make_key_padding_mask must return a (B, S) bool tensor.")
    enc, x = layer(), torch.randn(2, 6, 16)
    x2 = x.clone()
    x2[tokens == 0] = torch.randn(int((tokens == 0).sum()), 16)
    a, b = run(enc, x, kpm=kpm), run(enc, x2, kpm=kpm)
    real = tokens != 0
    if not torch.isfinite(a[real]).all() or not torch.allclose(a[real], b[real], atol=1e-5):
        raise feedback("With your key padding mask the real tokens still attend to padding.",
                       hint="src_key_padding_mask is True where the token IS padding")


@pytest.mark.points(1)
def test_both_masks_together(student):
    """Causal and key padding masks together, through the layer."""
    tokens = torch.tensor([[5, 6, 7, 8, 0], [8, 9, 4, 0, 0]])
    mask, kpm = student.make_causal_mask(5), student.make_key_padding_mask(tokens)
    enc, x = layer(), torch.randn(2, 5, 16)
    x2 = x.clone()
    x2[:, 2:] = torch.randn(2, 3, 16)
    a, b = run(enc, x, mask, kpm), run(enc, x2, mask, kpm)
    if type(a) is not torch.Tensor or not torch.allclose(a[:, :2], b[:, :2], atol=1e-5):
        raise feedback("With both masks, outputs at positions 0-1 must not depend on later positions.")


@pytest.mark.points(1)
def test_combine_masks_other_sizes(student):
    """combine_masks for a (3, 6) batch, exact."""
    causal = torch.triu(torch.ones(6, 6, dtype=torch.bool), diagonal=1)
    kpm = torch.tensor([[False] * 6, [False] * 4 + [True] * 2, [False] + [True] * 5])
    expected = ~causal.unsqueeze(0) & ~kpm.unsqueeze(1)
    got = student.combine_masks(causal, kpm)
    if type(got) is not torch.Tensor or got.shape != (3, 6, 6) or not torch.equal(got.bool(), expected):
        raise feedback("combine_masks is wrong for a (3, 6) batch.", expected="(3, 6, 6) bool, True = may attend")
