"""Public tests of PyTorch's nn.Transformer mask conventions (True / -inf = blocked)."""
import pytest
import torch

from grader.testing import feedback

COURSE_HINT = ("this is the course convention (True = may attend); nn.Transformer expects the opposite: True "
               "(or -inf) = blocked. tril of ones as src_mask blocks the past and lets the future through")


def blocked(mask):
    """A causal mask in either accepted form, as bool True = blocked."""
    if type(mask) is not torch.Tensor:
        raise feedback(f"make_causal_mask must return a tensor, got {type(mask).__name__}.")
    if mask.dtype == torch.bool:
        return mask
    if mask.is_floating_point() and torch.all((mask == 0) | torch.isneginf(mask)):
        return torch.isneginf(mask)
    raise feedback("A float causal mask must hold 0 where attention is allowed and -inf where it is blocked.",
                   got=mask.tolist())


@pytest.mark.points(2)
def test_causal_mask(student):
    """make_causal_mask(4): (4, 4), blocking the future (bool True or float -inf)."""
    got = blocked(student.make_causal_mask(4))
    expected = torch.triu(torch.ones(4, 4, dtype=torch.bool), diagonal=1)
    if got.shape != (4, 4) or not torch.equal(got, expected):
        hint = COURSE_HINT if got.shape == (4, 4) and torch.equal(got, ~expected) else \
            "position i must see itself: block only j > i (triu with diagonal=1)" if got.shape == (4, 4) and \
            torch.equal(got, torch.triu(torch.ones(4, 4, dtype=torch.bool))) else None
        raise feedback("make_causal_mask(4) is wrong (shown as True = blocked).", expected=expected.int().tolist(),
                       got=got.int().tolist(), hint=hint)


@pytest.mark.points(1)
def test_key_padding_mask(student):
    """make_key_padding_mask(tokens): (B, S) bool, True = padding."""
    tokens = torch.tensor([[5, 6, 7, 0], [8, 9, 0, 0]])
    got = student.make_key_padding_mask(tokens)
    if type(got) is not torch.Tensor or got.dtype != torch.bool or not torch.equal(got, tokens == 0):
        raise feedback("make_key_padding_mask is wrong: it must be bool, True where the token is padding.",
                       expected=(tokens == 0).tolist(), got=got.tolist() if type(got) is torch.Tensor else got,
                       hint=COURSE_HINT if type(got) is torch.Tensor and torch.equal(got.bool(), tokens != 0) else None)


@pytest.mark.points(2)
def test_combine_masks(student):
    """combine_masks(causal, key_padding): (B, S, S) in the course convention, True = may attend."""
    causal = torch.triu(torch.ones(4, 4, dtype=torch.bool), diagonal=1)
    kpm = torch.tensor([[False, False, False, True], [False, False, True, True]])
    expected = ~causal.unsqueeze(0) & ~kpm.unsqueeze(1)
    got = student.combine_masks(causal, kpm)
    if type(got) is not torch.Tensor or got.shape != (2, 4, 4) or not torch.equal(got.bool(), expected):
        raise feedback("combine_masks is wrong.", expected=expected.int().tolist(),
                       got=got.int().tolist() if type(got) is torch.Tensor else got,
                       hint="both inputs use True = blocked; the result uses True = may attend: invert both, "
                            "then combine with &")
