"""Tensor checks in the order a student can act on: type, then shape, then dtype, then finiteness, then values.

Each failure says what came back (after PrairieLearn's ``check_numpy_array_features``). The value checked has
already crossed the boundary as plain data, so ``torch.allclose`` here compares genuine tensors only.
"""
from __future__ import annotations

from typing import Mapping

import torch

from grader.harness.proxy import describe
from grader.testing.feedback import feedback

ATOL, RTOL = 1e-5, 1e-4


def expect_like(got, like: torch.Tensor, what: str, *, hint: str | None = None) -> torch.Tensor:
    """``got`` as a tensor with the shape and dtype of ``like``, or a failed test that says why."""
    if type(got) is not torch.Tensor:
        raise feedback(f"{what} returned {describe(got)}, expected a tensor of shape {tuple(like.shape)}.")
    if got.shape != like.shape:
        raise feedback(f"{what} returned a tensor of the wrong shape.", expected=tuple(like.shape),
                       got=tuple(got.shape), hint=hint)
    if got.dtype != like.dtype:
        raise feedback(f"{what} returned {got.dtype}, expected {like.dtype}.")
    return got


def expect_close(got, expected: torch.Tensor, what: str, known_mistakes: Mapping[str, torch.Tensor] | None = None,
                 *, atol: float = ATOL, rtol: float = RTOL) -> torch.Tensor:
    """Values within ``atol + rtol·|expected|``; on a miss, the hint of the known mistake it reproduces."""
    expect_like(got, expected, what)
    if torch.allclose(got, expected, atol=atol, rtol=rtol):
        return got
    for hint, output in (known_mistakes or {}).items():
        if output.shape == got.shape and torch.allclose(got, output, atol=atol, rtol=rtol, equal_nan=True):
            raise feedback(f"{what} does not match the reference.", hint=hint)
    if torch.isfinite(expected).all() and not torch.isfinite(got).all():
        raise feedback(f"{what} returned NaN or infinite values.")
    diff = (got.double() - expected.double()).abs().max().item()
    raise feedback(f"{what} does not match the reference (largest difference {diff:.3g}, tolerance "
                   f"{atol:g} + {rtol:g}·|expected|).")
