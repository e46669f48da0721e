"""The attention checks, part two: the functional reference, comparisons, confirmed diagnoses, reading weights.

See :mod:`grader.testing.attention` (the public face) for how the checks judge behaviour.
"""
from __future__ import annotations

import contextlib
import math

import torch
import torch.nn.functional as F

from grader.harness.proxy import StudentError
from grader.testing.feedback import feedback, heatmap as picture
from grader.harness.proxy import describe
from grader.testing.attention_modules import (ATOL, COURSE, MISTAKES, RTOL, build, build_reference, copy_weights,
                                              load_weights, note, run)


def reference_attention(state: dict, q, k, v, mask, num_heads: int, mistake: str | None = None):
    """Multi-head attention with the reference's weights, optionally with one known mistake applied."""
    B, T, D = q.shape
    dk = D // num_heads

    def proj(x, name):
        return F.linear(x, state[f"{name}.weight"], state[f"{name}.bias"])

    def split(x):
        if mistake == "view_no_transpose":
            return x.reshape(B, num_heads, -1, dk)
        return x.view(B, -1, num_heads, dk).transpose(1, 2)

    if mistake == "keys_from_decoder":
        k = v = q
    Q, K, V = split(proj(q, "w_q")), split(proj(k, "w_k")), split(proj(v, "w_v"))
    attn = weights_with(Q, K, mask, mistake)
    out = attn @ V
    out = out.reshape(B, -1, D) if mistake == "view_no_transpose" else out.transpose(1, 2).reshape(B, -1, D)
    return out if mistake == "no_output_projection" else proj(out, "w_0")


def weights_with(Q, K, mask, mistake: str | None = None):
    """softmax(QKᵀ/√d_k) per head under a (B, T, S) or (B, 1, S) mask, optionally with one known mistake."""
    D = Q.shape[-1] * Q.shape[1]
    scale = {"scale_d_model": math.sqrt(D), "no_scale": 1.0, "scale_64": 8.0}.get(mistake, math.sqrt(Q.shape[-1]))
    scores = Q @ K.transpose(-2, -1) / scale
    keep = None
    if mask is not None:
        keep = mask.transpose(-2, -1) if mistake == "mask_query_axis" else mask
        keep = keep.unsqueeze(1).bool()
        if mistake == "mask_inverted":
            keep = ~keep
        if mistake == "fill_zero":
            scores = scores.masked_fill(~keep, 0.0)
        elif mistake != "mask_after_softmax":
            scores = scores.masked_fill(~keep, float("-inf"))
    attn = F.softmax(scores, dim=-2 if mistake == "softmax_wrong_axis" else -1)
    if mistake == "mask_after_softmax" and keep is not None:
        attn = attn.masked_fill(~keep, 0.0)
    return attn


def _where(index) -> str:
    return "[" + ", ".join(str(int(i)) for i in index) + "]"


def expect_close(got, expected: torch.Tensor, what: str, variants=None, hint: str | None = None,
                 against: str = "the reference", pictures=()) -> torch.Tensor:
    """Type, shape, dtype, then values; a hint only when the student's output equals a known mistake's.

    ``variants`` (mistake -> its output) may be a callable that computes them: it is called only for an output that
    does not match (a correct submission never pays for the mistakes' forward passes)."""
    if type(got) is not torch.Tensor:
        raise feedback(f"{what} returned {describe(got)}, expected a tensor of shape {tuple(expected.shape)}.")
    if got.shape != expected.shape:
        raise feedback(f"{what} returned a tensor of the wrong shape.", expected=tuple(expected.shape),
                       got=tuple(got.shape))
    if got.dtype != expected.dtype:
        raise feedback(f"{what} returned {got.dtype}, expected {expected.dtype}.")
    if torch.allclose(got, expected, atol=ATOL, rtol=RTOL, equal_nan=True):
        return got
    if callable(variants):
        variants = variants() if hint is None else None
    hint = hint or next((MISTAKES.get(name, name) for name, variant in (variants or {}).items() if variant.shape == got.shape
                         and torch.allclose(got, variant, atol=ATOL, rtol=RTOL, equal_nan=True)), None)
    if torch.isfinite(expected).all() and not torch.isfinite(got).all():
        bad = (~torch.isfinite(got)).nonzero()[0]
        raise feedback(f"{what} returned NaN or infinite values (first at {_where(bad)}); {against} has only "
                       "finite values.", hint=hint, pictures=pictures)
    diff = (got - expected).abs()
    at = (diff == diff.max()).nonzero()[0]
    raise feedback(f"{what} does not match {against}: the largest difference is {diff.max().item():.3g} at "
                   f"{_where(at)} (expected {expected[tuple(at)].item():.6g}, got {got[tuple(at)].item():.6g}; "
                   f"tolerance {ATOL:g} + {RTOL:g}·|expected|).", hint=hint, pictures=pictures)


def expect_shape(got, shape: tuple, what: str, hint: str | None = None) -> torch.Tensor:
    """A float32 tensor of this shape with finite values; anything else fails with a message."""
    if type(got) is not torch.Tensor:
        raise feedback(f"{what} returned {describe(got)}, expected a tensor of shape {shape}.")
    if tuple(got.shape) != tuple(shape):
        raise feedback(f"{what} returned a tensor of the wrong shape.", expected=tuple(shape), got=tuple(got.shape),
                       hint=hint)
    if got.dtype != torch.float32:
        raise feedback(f"{what} returned {got.dtype}; inputs are float32 and so must the output be.")
    if not torch.isfinite(got).all():
        raise feedback(f"{what} returned NaN or infinite values.")
    return got


def variants(state, q, k, v, mask, num_heads, names) -> dict:
    """Reference outputs with each mistake applied; a mistake impossible at these shapes is left out."""
    out = {}
    for name in names:
        try:
            out[name] = reference_attention(state, q, k, v, mask, num_heads, name)
        except RuntimeError:
            pass
    return out


# ---------------------------------------------------------------- probes that confirm a diagnosis

def _matches_reference(student, reference, d_model, num_heads, T, S, device) -> bool:
    try:
        ref = build_reference(reference, d_model, num_heads, seed=11)
        module, _ = build(student, d_model, num_heads, device)
        state = copy_weights(module, ref)
        g = torch.Generator().manual_seed(12)
        q, kv = torch.randn(2, T, d_model, generator=g), torch.randn(2, S, d_model, generator=g)
        got = module(q, kv, kv)
    except AssertionError:
        return False
    expected = reference_attention(state, q, kv, kv, None, num_heads)
    return type(got) is torch.Tensor and got.shape == expected.shape and got.dtype == expected.dtype and \
        bool(torch.allclose(got, expected, atol=ATOL, rtol=RTOL))


def probe_failure(student, reference, d_model, num_heads, T, S, device="cpu") -> str | None:
    """Why a module failed at these sizes, when a probe proves it: right at the course's sizes and wrong at these
    (hard-coded sizes), or right when T == S and wrong when T ≠ S (k and v split with the query's length)."""
    if (d_model, num_heads) != COURSE and _matches_reference(student, reference, *COURSE, 3, 3, device) and \
            not _matches_reference(student, reference, d_model, num_heads, 3, 3, device):
        return MISTAKES["hardcoded"]
    if T != S and _matches_reference(student, reference, d_model, num_heads, T, T, device) and \
            not _matches_reference(student, reference, d_model, num_heads, T, S, device):
        return MISTAKES["query_length"]
    return None


@contextlib.contextmanager
def diagnosed(student, reference, d_model, num_heads, T, S, device="cpu"):
    """On a failure without a hint, add the hint a probe confirms (the failure itself is unchanged)."""
    try:
        yield
    except AssertionError as exc:
        text = str(exc)
        hint = None if "\nHint: " in text else probe_failure(student, reference, d_model, num_heads, T, S, device)
        if hint is None:
            raise
        error = type(exc)(f"{text}\nHint: {hint}")
        error.pictures = getattr(exc, "pictures", ())
        raise error from None


# ---------------------------------------------------------------- reading attention weights

def _identity_state(D: int) -> dict:
    eye, zero = torch.eye(D), torch.zeros(D)
    return {f"{n}.{p}": (eye if p == "weight" else zero).clone() for n in ("w_q", "w_k", "w_v", "w_0")
            for p in ("weight", "bias")}


def _through_forward(module, qh, kh, mask):
    """(B, H, T, S) weights from forward, with identity projections and one-hot values, d_k columns at a time."""
    B, H, T, dk = qh.shape
    S = kh.shape[2]
    load_weights(module, _identity_state(H * dk))
    q, k = qh.transpose(1, 2).reshape(B, T, H * dk), kh.transpose(1, 2).reshape(B, S, H * dk)
    chunks = []
    for start in range(0, S, dk):
        width = min(dk, S - start)
        v = torch.zeros(B, S, H, dk)
        v[:, start:start + width, :, :width] = torch.eye(width).view(width, 1, width).expand(width, H, width)
        out = run(module, q, k, v.reshape(B, S, H * dk), mask) if mask is not None else run(module, q, k, v.reshape(B, S, H * dk))
        if type(out) is not torch.Tensor or out.shape != (B, T, H * dk):
            return out
        chunks.append(out.view(B, T, H, dk).transpose(1, 2)[..., :width])
    return torch.cat(chunks, dim=-1)


def _first_tensor(value):
    if type(value) in (tuple, list) and value and type(value[0]) is torch.Tensor:
        return value[0]
    return value


def attention_weights(module, q_heads, k_heads, mask=None):
    """Every way to read self_attention's distribution, lazily: yields (how, result or StudentError)."""
    S = k_heads.shape[2]
    basis = torch.eye(S).expand(q_heads.shape[0], q_heads.shape[1], S, S).contiguous()
    if mask is None:
        forms = [("self_attention(q, k, v)", (q_heads, k_heads, basis)),
                 ("self_attention(q, k, v, None)", (q_heads, k_heads, basis, None))]
    else:
        forms = [("self_attention(q, k, v, mask)", (q_heads, k_heads, basis, mask)),
                 ("self_attention(q, k, v, mask with the head axis)", (q_heads, k_heads, basis, mask.unsqueeze(1)))]
    for how, args in forms:
        try:
            yield how, _first_tensor(run(module.self_attention, *args))
        except StudentError as exc:
            yield how, exc
    try:
        yield "forward, with identity projections", _through_forward(module, q_heads, k_heads, mask)
    except AssertionError as exc:
        yield "forward, with identity projections", exc


def _diagnose_weights(got, qh, kh, mask, expected, what):
    """The weights differ from the expected ones: say how, and name a mistake only if its output equals got."""
    names = ("scale_d_model", "no_scale", "softmax_wrong_axis") + (("scale_64",) if qh.shape[-1] != 64 else ())
    names += ("mask_inverted", "fill_zero", "mask_after_softmax") if mask is not None else ()
    hint = next((MISTAKES[n] for n in names
                 if torch.allclose(got, weights_with(qh, kh, mask, n), atol=ATOL, rtol=RTOL, equal_nan=True)), None)
    pictures = weight_pictures(expected, got, mask)
    if not torch.isfinite(got).all():
        raise feedback(f"{what}: NaN or infinite values (first at {_where((~torch.isfinite(got)).nonzero()[0])}).",
                       hint=hint, pictures=pictures)
    sums = got.sum(-1)
    off = (sums - 1).abs()
    if off.max() > 1e-5:
        at = (off == off.max()).nonzero()[0]
        raise feedback(f"{what}: every row must sum to 1 over the keys; row {_where(at)} sums to "
                       f"{sums[tuple(at)].item():.6g}.", hint=hint, pictures=pictures)
    if mask is not None:
        blocked = ~mask.unsqueeze(1).bool().expand_as(got)
        leaked = got.masked_fill(~blocked, 0.0).abs()
        if leaked.max() != 0.0:
            at = (leaked == leaked.max()).nonzero()[0]
            raise feedback(f"{what}: masked positions must get exactly zero attention; {_where(at)} gets "
                           f"{leaked.max().item():.3g}.", hint=hint, pictures=pictures)
    expect_close(got, expected, what, hint=hint, pictures=pictures)


def weight_pictures(expected, got, mask) -> tuple[dict, dict]:
    """Heatmaps of the expected and the student's (B, H, T, S) weights, first batch and head, masked cells marked."""
    blocked = None if mask is None else ~mask.bool()[0].expand(expected.shape[-2:])
    return (picture("Expected (batch 0, head 0)", expected[0, 0], blocked),
            picture("Yours (batch 0, head 0)", got[0, 0], blocked))


def check_weights(student, B, T, S, d_model, num_heads, mask=None, device="cpu", seed=0):
    """self_attention's distribution, read through an identity basis: exact softmax, rows sum to 1, masked
    entries exactly 0. Either mask convention counts (head axis added in forward or in self_attention)."""
    module, style = build(student, d_model, num_heads, device)
    dk = d_model // num_heads
    g = torch.Generator().manual_seed(seed)
    qh, kh = torch.randn(B, num_heads, T, dk, generator=g), torch.randn(B, num_heads, S, dk, generator=g)
    expected = weights_with(qh, kh, mask)
    first = failure = None
    for how, got in attention_weights(module, qh, kh, mask):
        if type(got) is torch.Tensor and got.shape == expected.shape and got.dtype == expected.dtype:
            if torch.allclose(got, expected, atol=ATOL, rtol=RTOL):
                if how not in ("self_attention(q, k, v, mask)", "self_attention(q, k, v)"):
                    note(f"Attention weights were read through {how}.")
                return got
            first = first or (how, got)
        elif isinstance(got, Exception):
            failure = failure or (how, got)
        else:
            first = first or (how, got)
    what = f"The attention weights [{style}]"
    if first is None:
        how, exc = failure
        raise StudentError(f"{what} could not be read: {how} failed.\n{exc}") from None
    how, got = first
    what = f"{what}, read through {how} with an identity basis as values"
    if type(got) is not torch.Tensor:
        raise feedback(f"{what}: returned {describe(got)}, expected a tensor of shape {tuple(expected.shape)}.")
    if got.shape != expected.shape or got.dtype != expected.dtype:
        raise feedback(f"{what}: expected a {tuple(expected.shape)} {expected.dtype} tensor, got "
                       f"{tuple(got.shape)} {got.dtype}.")
    _diagnose_weights(got, qh, kh, mask, expected, what)


