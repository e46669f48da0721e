"""Hidden tests: the student's masks drive a real nn.TransformerEncoderLayer (in the trusted parent)."""
import pytest
import torch
from torch import nn

from grader.testing import attention as ac
from grader.testing import feedback


def layer():
    torch.manual_seed(0)
    return nn.TransformerEncoderLayer(d_model=16, nhead=4, dim_feedforward=32, dropout=0.0, batch_first=True).eval()


def run(enc, x, mask=None, kpm=None):
    with torch.no_grad():
        return enc(x, src_mask=mask, src_key_padding_mask=kpm)


def known(got, variants) -> str | None:
    """The hint of the known mistake whose mask equals got, if any."""
    return next((h for v, h in variants.values() if got.shape == v.shape and torch.equal(got, v)), None)


@pytest.mark.points(2)
@pytest.mark.parametrize("S", [5, 9])
def test_causal_mask_makes_the_layer_causal(student, S):
    """Through nn.TransformerEncoderLayer: changing position t+1.. leaves outputs up to t unchanged."""
    mask = ac.run(student.make_causal_mask, S)
    blocked = ac.as_blocked(mask, f"make_causal_mask({S})")
    if blocked.shape != (S, S):
        raise feedback(f"make_causal_mask({S}) has shape {tuple(blocked.shape)}, expected ({S}, {S}).")
    enc, x = layer(), torch.randn(2, S, 16)
    x2 = x.clone()
    x2[:, S // 2 + 1:] = torch.randn(2, S - S // 2 - 1, 16)
    a, b = run(enc, x, mask), run(enc, x2, mask)
    hint = known(blocked, ac.causal_variants(S))
    if not torch.isfinite(a).all():
        raise feedback("With your causal mask the layer's output has NaN: some position can attend to nothing.",
                       hint=hint)
    if not torch.allclose(a[:, :S // 2 + 1], b[:, :S // 2 + 1], atol=1e-5):
        raise feedback("With your causal mask the layer still sees the future.", hint=hint)


@pytest.mark.points(2)
def test_key_padding_mask_hides_padding(student):
    """Through the layer: changing padded positions leaves the real tokens' outputs unchanged."""
    tokens = torch.tensor([[5, 6, 7, 0, 0, 0], [8, 9, 4, 3, 2, 0]])
    kpm = ac.run(student.make_key_padding_mask, tokens)
    if type(kpm) is not torch.Tensor or kpm.shape != tokens.shape or kpm.dtype != torch.bool:
        raise feedback("make_key_padding_mask must return a (B, S) bool tensor.",
                       got=f"{tuple(kpm.shape)} {kpm.dtype}" if type(kpm) is torch.Tensor else None)
    enc, x = layer(), torch.randn(2, 6, 16)
    x2 = x.clone()
    x2[tokens == 0] = torch.randn(int((tokens == 0).sum()), 16)
    a, b = run(enc, x, kpm=kpm), run(enc, x2, kpm=kpm)
    real = tokens != 0
    if not torch.isfinite(a[real]).all() or not torch.allclose(a[real], b[real], atol=1e-5):
        raise feedback("With your key padding mask the real tokens still attend to padding.",
                       hint=ac.PADDING_BLOCKED_HINT if torch.equal(kpm, tokens != 0) else None)


@pytest.mark.points(1)
def test_both_masks_together(student):
    """Causal and key padding masks together, through the layer."""
    tokens = torch.tensor([[5, 6, 7, 8, 0], [8, 9, 4, 0, 0]])
    mask, kpm = ac.run(student.make_causal_mask, 5), ac.run(student.make_key_padding_mask, tokens)
    ac.as_blocked(mask, "make_causal_mask(5)")
    if type(kpm) is not torch.Tensor or kpm.shape != tokens.shape or kpm.dtype != torch.bool:
        raise feedback("make_key_padding_mask must return a (B, S) bool tensor.")
    enc, x = layer(), torch.randn(2, 5, 16)
    x2 = x.clone()
    x2[:, 2:] = torch.randn(2, 3, 16)
    a, b = run(enc, x, mask, kpm), run(enc, x2, mask, kpm)
    if not torch.allclose(a[:, :2], b[:, :2], atol=1e-5):
        raise feedback("With both masks, the outputs at positions 0-1 changed when later positions changed.")


@pytest.mark.points(1)
def test_combine_masks_other_sizes(student):
    """combine_masks for a (3, 6) batch, exact."""
    causal = torch.triu(torch.ones(6, 6, dtype=torch.bool), diagonal=1)
    kpm = torch.tensor([[False] * 6, [False] * 4 + [True] * 2, [False] + [True] * 5])
    ac.expect_mask(ac.run(student.combine_masks, causal, kpm), ~causal.unsqueeze(0) & ~kpm.unsqueeze(1),
                   "combine_masks for a (3, 6) batch", ac.combine_variants(causal, kpm))


@pytest.mark.points(1)
def test_course_shapes(student):
    """The course's sizes: a (10, 10) causal mask, a (5, 10) key padding mask, combined (5, 10, 10)."""
    tokens = ac.tokens_with_padding(5, 10, [10, 8, 6, 3, 1], seed=15)
    causal = torch.triu(torch.ones(10, 10, dtype=torch.bool), diagonal=1)
    ac.expect_mask(ac.as_blocked(ac.run(student.make_causal_mask, 10), "make_causal_mask(10)"), causal,
                   "make_causal_mask(10)", ac.causal_variants(10), convention="shown as True = blocked")
    ac.expect_mask(ac.run(student.make_key_padding_mask, tokens), tokens == 0, "make_key_padding_mask",
                   {"inverted": (tokens != 0, ac.PADDING_BLOCKED_HINT)}, convention="True = padding")
    ac.expect_mask(ac.run(student.combine_masks, causal, tokens == 0), ~causal.unsqueeze(0) & (tokens != 0).unsqueeze(1),
                   "combine_masks for a (5, 10) batch", ac.combine_variants(causal, tokens == 0))
