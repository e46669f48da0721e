"""Mask checks: the course's convention (True = may attend) and nn.Transformer's (True or -inf = blocked).

Each ``*_variants`` function returns the outputs of known mistakes, so :func:`expect_mask` names a mistake only
when the student's mask equals it.
"""
from __future__ import annotations


import torch

from grader.testing.feedback import feedback, grid
from grader.harness.proxy import describe
from grader.testing.attention_modules import MISTAKES
from grader.testing.attention_reading import _where


# ---------------------------------------------------------------- masks

def mask_text(mask: torch.Tensor) -> str:
    """A mask as 0/1 lists when it is small enough to read, else "" (never two texts that look the same)."""
    return str(mask.bool().int().tolist()) if mask.numel() <= 64 else ""


def expect_mask(got, expected: torch.Tensor, what: str, wrong: dict | None = None,
                convention: str = "True = may attend") -> torch.Tensor:
    """A mask equal to ``expected`` as bool (bool, int or 0/1 float accepted); ``wrong`` maps a known mistake's
    mask to its hint, given only when the student's mask equals it."""
    if type(got) is not torch.Tensor:
        raise feedback(f"{what} returned {describe(got)}, expected a {tuple(expected.shape)} bool tensor.")
    if got.shape == expected.shape and torch.equal(got.bool(), expected.bool()):
        if got.dtype != torch.bool and not torch.all((got == 0) | (got == 1)):
            raise feedback(f"{what} holds values other than 0 and 1 ({got.dtype}); a mask is bool, {convention}.")
        return got
    hint = next((h for variant, h in (wrong or {}).values()
                 if got.shape == variant.shape and torch.equal(got.bool(), variant.bool())), None)
    if got.shape != expected.shape:
        raise feedback(f"{what} has shape {tuple(got.shape)}, expected {tuple(expected.shape)}.", hint=hint)
    differ = (got.bool() != expected.bool()).nonzero()
    first = differ[0]
    shown = (mask_text(expected), mask_text(got))
    lists = f"\nExpected: {shown[0]}\nGot:      {shown[1]}" if shown[0] != shown[1] else ""
    raise feedback(f"{what} is wrong at {len(differ)} of {expected.numel()} positions, first at {_where(first)}: "
                   f"expected {bool(expected[tuple(first)])}, got {bool(got.bool()[tuple(first)])} ({convention})."
                   + lists, hint=hint, pictures=mask_pictures(expected, got, convention))


def mask_pictures(expected: torch.Tensor, got: torch.Tensor, convention: str) -> tuple[dict, ...]:
    """Grids of the expected and the student's mask (the first (T, S) slice), filled = True."""
    def plane(m):
        m = m.bool()
        while m.dim() > 2:
            m = m[0]
        return m if m.dim() == 2 else m.reshape(1, -1)
    return (grid("Expected mask (filled = True)", plane(expected)),
            grid("Your mask", plane(got)))


def nopeak(L: int, diagonal: int = 0) -> torch.Tensor:
    return torch.tril(torch.ones(1, L, L, dtype=torch.bool), diagonal=diagonal)


TRIL_HINT = "this is triu: a position must see itself and the past, which is torch.tril"
BLOCKED_HINT = ("this is the nn.Transformer convention (True = blocked); the course's masks use True = may attend: "
                "torch.tril(torch.ones(1, L, L, dtype=torch.bool))")


def padding_variants(tokens) -> dict:
    """Known mistakes for a (B, 1, S) padding mask: {name: (their mask, hint)}."""
    return {"query": ((tokens != 0).unsqueeze(2), MISTAKES["mask_query_axis"]),
            "inverted": ((tokens == 0).unsqueeze(1), MISTAKES["mask_inverted"])}


def nopeak_variants(L: int) -> dict:
    return {"triu": (torch.triu(torch.ones(1, L, L, dtype=torch.bool)), TRIL_HINT), "blocked": (~nopeak(L), BLOCKED_HINT),
            "no_diagonal": (nopeak(L, -1), "a position must see itself: keep the diagonal (torch.tril, diagonal=0)")}


def make_mask_variants(tokens) -> dict:
    pad, L = (tokens != 0).unsqueeze(1), tokens.shape[1]
    return {"or": (pad | nopeak(L), "combine the two masks with &: a position may attend only where both allow it"),
            "query": ((tokens != 0).unsqueeze(2) & nopeak(L), MISTAKES["mask_query_axis"]),
            "triu": (pad & torch.triu(torch.ones(1, L, L, dtype=torch.bool)), TRIL_HINT),
            "blocked": (~(pad & nopeak(L)), BLOCKED_HINT)}


# ---------------------------------------------------------------- nn.Transformer conventions (True / -inf = blocked)

COURSE_CAUSAL_HINT = ("this is the course convention (True = may attend); nn.Transformer expects the opposite: True "
                      "(or -inf) = blocked. tril of ones as src_mask blocks the past and lets the future through")
PADDING_BLOCKED_HINT = ("this is True on real tokens; src_key_padding_mask is True where the token IS padding "
                        "(tokens == pad_id)")
COMBINE_HINT = ("both inputs use True = blocked; the result uses True = may attend: invert both, then combine with "
                "&")


def as_blocked(mask, what: str) -> torch.Tensor:
    """An nn.Transformer attention mask in any accepted form (bool True = blocked, or float 0 = allowed and
    -inf or ≤ -1e9 = blocked) as bool True = blocked."""
    if type(mask) is not torch.Tensor:
        raise feedback(f"{what} returned {describe(mask)}, expected a tensor.")
    if mask.dtype == torch.bool:
        return mask
    if mask.is_floating_point() and torch.all((mask == 0) | (mask <= -1e9)):
        return mask <= -1e9
    values = sorted({float(v) for v in mask.flatten().tolist()})[:6]
    raise feedback(f"{what} is a {mask.dtype} mask holding {values}: a float mask must hold 0 where attention is "
                   "allowed and -inf where it is blocked (or be bool, True = blocked).")


def causal_variants(S: int) -> dict:
    ones = torch.ones(S, S, dtype=torch.bool)
    return {"course": (torch.tril(ones), COURSE_CAUSAL_HINT),
            "diagonal": (torch.triu(ones), "position i must see itself: block only j > i (triu with diagonal=1)")}


def combine_variants(causal, kpm) -> dict:
    return {"blocked": (causal.unsqueeze(0) | kpm.unsqueeze(1), COMBINE_HINT),
            "or": (~causal.unsqueeze(0) | ~kpm.unsqueeze(1), "a position may attend only where both masks allow it: "
                                                             "combine the inverted masks with &"),
            "query": (~causal.unsqueeze(0) & ~kpm.unsqueeze(2), MISTAKES["mask_query_axis"])}
