"""Checks for the attention assignments, for test authors. Runs in the trusted parent only.

* :func:`build` constructs the student's ``MultiheadAttention`` with the sizes a test asks for, in either
  style the course allows (explicit ``__init__(d_model, num_heads)``, or the course's ``__init__(self)``
  reading module globals, which are rebound in the student's namespace first).
* :func:`copy_weights` loads the reference's ``w_q, w_k, w_v, w_0`` into the student's module by name.
* :func:`reference_attention` is a functional reference that can apply one known mistake at a time;
  :func:`expect_close` compares after checking type, shape, dtype and finiteness, and when values differ
  names the mistake whose output the student's matches. Mistakes are recognised by behaviour, never by
  reading the student's source.
Tolerance: float32 outputs must match within ``atol=1e-5, rtol=1e-4`` (``einsum`` and
``F.scaled_dot_product_attention`` solutions differ from the reference by ~1e-7).
"""
from __future__ import annotations

import math
import re

import torch
import torch.nn.functional as F

from grader.harness.proxy import StudentError
from grader.testing import describe, feedback

ATOL, RTOL = 1e-5, 1e-4

MISTAKES = {
    "scale_d_model": "the scores look scaled by sqrt(d_model): divide by sqrt(d_k), the size of one head",
    "view_no_transpose": "the heads look split with view(B, H, L, d_k) and no transpose: view as (B, L, H, d_k), "
                         "then transpose(1, 2) (and undo both before w_0)",
    "softmax_wrong_axis": "the softmax looks taken over the wrong axis: normalise over the keys, dim=-1",
    "no_output_projection": "the concatenated heads look returned without the output projection w_0",
    "mask_inverted": "the mask looks inverted: in the course convention True means 'may attend', so fill the "
                     "scores where mask == False",
    "fill_zero": "masked scores look filled with 0: a score of 0 still gets weight after the softmax; fill with "
                 "float('-inf')",
    "mask_after_softmax": "the mask looks applied after the softmax, so rows no longer sum to 1: fill the scores "
                          "with -inf before it",
    "mask_query_axis": "the padding mask looks applied on the query axis: it must mask keys, shape (B, 1, S)",
    "keys_from_decoder": "keys and values look taken from the decoder: in encoder-decoder attention they come from "
                         "the encoder output",
}


def build(student, d_model: int, num_heads: int, device: str = "cpu"):
    """The student's module with these sizes; returns (module, style)."""
    try:
        module, style = student.MultiheadAttention(d_model, num_heads), "explicit arguments"
    except StudentError as exc:
        if "TypeError" not in str(exc):
            raise
        student._grader_set_global("d_model", d_model)
        student._grader_set_global("num_heads", num_heads)
        student._grader_set_global("d_k", d_model // num_heads)
        module, style = student.MultiheadAttention(), "course globals"
    if device != "cpu":
        module.to.for_effect(device)
    module.eval.for_effect()
    return module, style


def build_reference(reference, d_model: int, num_heads: int, seed: int = 0):
    reference.d_model, reference.num_heads, reference.d_k = d_model, num_heads, d_model // num_heads
    torch.manual_seed(seed)
    return reference.MultiheadAttention().eval()


def copy_weights(module, ref_module) -> dict:
    state = {k: v.detach().clone() for k, v in ref_module.state_dict().items()}
    try:
        module.load_state_dict.for_effect(state)
    except StudentError:
        theirs = sorted(module.state_dict())
        raise feedback("The reference's weights could not be loaded into your module by name.",
                       expected=sorted(state), got=theirs,
                       hint="name the layers w_q, w_k, w_v (projections) and w_0 (output), each nn.Linear(d_model, "
                            "d_model), and add no other parameters") from None
    return state


def run(fn, *args, **kwargs):
    """Call student code; add a hint to an exception that points at a known cause."""
    try:
        return fn(*args, **kwargs)
    except StudentError as exc:
        text = str(exc)
        hints = [
            (r"(cannot be multiplied|invalid for input of size|must match the size)[^\n]*(?<!\d)(512|64)(?!\d)",
             "sizes look hard-coded (512, 8 or 64): use d_model, num_heads and d_k, which the tests set to other "
             "values"),
            (r"same device|Expected all tensors to be on the same device", "a tensor was created on the CPU while "
             "the inputs are on the GPU: create masks with device=batch.device"),
        ]
        extra = [h for pattern, h in hints if re.search(pattern, text)]
        raise StudentError(text + ("\nHint: " + extra[0] if extra else "")) from None


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
    scores = Q @ K.transpose(-2, -1) / math.sqrt(D if mistake == "scale_d_model" else dk)
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
    out = attn @ V
    out = out.reshape(B, -1, D) if mistake == "view_no_transpose" else out.transpose(1, 2).reshape(B, -1, D)
    return out if mistake == "no_output_projection" else proj(out, "w_0")


def expect_close(got, expected: torch.Tensor, what: str, variants: dict | None = None) -> torch.Tensor:
    """Type, shape, dtype, finiteness, then values; on a mismatch, name the mistake that matches.

    ``variants`` maps a mistake to the output it produces: a name of :data:`MISTAKES`, or an author's own
    hint (any other key is shown to the student as the hint itself)."""
    if type(got) is not torch.Tensor:
        raise feedback(f"{what} returned {describe(got)}, expected a tensor of shape {tuple(expected.shape)}.")
    if got.shape != expected.shape:
        raise feedback(f"{what} returned a tensor of the wrong shape.", expected=tuple(expected.shape),
                       got=tuple(got.shape))
    if got.dtype != expected.dtype:
        raise feedback(f"{what} returned {got.dtype}, expected {expected.dtype}.")
    if torch.allclose(got, expected, atol=ATOL, rtol=RTOL):
        return got
    for name, variant in (variants or {}).items():
        if variant.shape == got.shape and torch.allclose(got, variant, atol=ATOL, rtol=RTOL, equal_nan=True):
            raise feedback(f"{what} does not match the reference.", hint=MISTAKES.get(name, name))
    if torch.isfinite(expected).all() and not torch.isfinite(got).all():
        raise feedback(f"{what} returned NaN or infinite values.",
                       hint="a softmax over a row that is entirely -inf gives NaN; check which positions the mask "
                            "blocks (True means 'may attend')")
    diff = (got - expected).abs().max().item()
    raise feedback(f"{what} does not match the reference (largest difference {diff:.3g}, tolerance "
                   f"{ATOL:g} + {RTOL:g}·|expected|).")


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
        raise feedback(f"{what} returned NaN or infinite values.",
                       hint="a softmax over a row that is entirely -inf gives NaN")
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


def attention_weights(module, q_heads, k_heads, mask=None):
    """Read attention weights without trusting student internals: values are an identity basis."""
    B, H, T, _ = q_heads.shape
    S = k_heads.shape[2]
    basis = torch.eye(S).expand(B, H, S, S).contiguous()
    return run(module.self_attention, q_heads, k_heads, basis, mask)


# ---------------------------------------------------------------- whole checks, shared by the assignments

def check_values(student, reference, B, T, S, d_model, num_heads, device="cpu", mask=None, seed=0, names=()):
    """Exact values of forward(q, k, v, mask) against the reference with the same weights."""
    ref = build_reference(reference, d_model, num_heads, seed)
    module, style = build(student, d_model, num_heads, device)
    state = copy_weights(module, ref)
    g = torch.Generator().manual_seed(seed + 1)
    q, k = torch.randn(B, T, d_model, generator=g), torch.randn(B, S, d_model, generator=g)
    v = torch.randn(B, S, d_model, generator=g) if S != T else k
    expected = reference_attention(state, q, k, v, mask, num_heads)
    got = run(module, q, k, v, mask) if mask is not None else run(module, q, k, v)
    expect_close(got, expected, f"MultiheadAttention(d_model={d_model}, num_heads={num_heads}) [{style}]",
                 variants(state, q, k, v, mask, num_heads, names))


def check_weights(student, B, T, S, d_model, num_heads, mask=None, device="cpu", seed=0):
    """self_attention's distribution, read through an identity basis: exact softmax, rows sum to 1,
    masked entries exactly 0. Returns the weights."""
    module, style = build(student, d_model, num_heads, device)
    dk = d_model // num_heads
    g = torch.Generator().manual_seed(seed)
    qh, kh = torch.randn(B, num_heads, T, dk, generator=g), torch.randn(B, num_heads, S, dk, generator=g)
    scores = qh @ kh.transpose(-2, -1) / math.sqrt(dk)
    if mask is not None:
        scores = scores.masked_fill(~mask.unsqueeze(1).bool(), float("-inf"))
    expected = F.softmax(scores, dim=-1)
    got = attention_weights(module, qh, kh, mask) if mask is not None else attention_weights(module, qh, kh)
    what = f"self_attention [{style}], read with an identity basis as values"
    if type(got) is not torch.Tensor:
        raise feedback(f"{what}: returned {describe(got)}, expected a tensor of shape {tuple(expected.shape)}.")
    if got.shape != expected.shape or got.dtype != expected.dtype:
        raise feedback(f"{what}: wrong shape or dtype.", expected=f"{tuple(expected.shape)} {expected.dtype}",
                       got=f"{tuple(got.shape)} {got.dtype}")
    if mask is not None:
        inverted = F.softmax((qh @ kh.transpose(-2, -1) / math.sqrt(dk)).masked_fill(mask.unsqueeze(1).bool(),
                                                                                    float("-inf")), dim=-1)
        if torch.allclose(got, inverted, atol=ATOL, rtol=RTOL, equal_nan=True):
            raise feedback(f"{what}: attention goes exactly where the mask forbids it.", hint=MISTAKES["mask_inverted"])
    wrong_scale = F.softmax(qh @ kh.transpose(-2, -1) / math.sqrt(d_model), dim=-1)
    if mask is None and torch.allclose(got, wrong_scale, atol=ATOL, rtol=RTOL):
        raise feedback(f"{what}: the attention distribution is wrong.", hint=MISTAKES["scale_d_model"])
    if torch.isfinite(got).all():
        sums = got.sum(-1)
        if not torch.allclose(sums, torch.ones_like(sums), atol=1e-5):
            hint = MISTAKES["mask_after_softmax"] if mask is not None and torch.all(sums <= 1 + 1e-5) else \
                MISTAKES["softmax_wrong_axis"]
            raise feedback(f"{what}: attention rows must sum to 1.", got=sums[0, 0].tolist(), hint=hint)
        if mask is not None:
            leaked = got.masked_select(~mask.unsqueeze(1).bool().expand_as(got))
            if leaked.numel() and leaked.abs().max().item() != 0.0:
                raise feedback(f"{what}: masked positions must get exactly zero attention.",
                               got=f"up to {leaked.abs().max().item():.3g}", hint=MISTAKES["fill_zero"])
    return expect_close(got, expected, what)


def output(module, x_q, x_kv, mask=None):
    return run(module, x_q, x_kv, x_kv, mask) if mask is not None else run(module, x_q, x_kv, x_kv)


def tokens_with_padding(B, L, lengths, seed=0, pad_id=0):
    g = torch.Generator().manual_seed(seed)
    tokens = torch.randint(1, 50, (B, L), generator=g)
    for b, n in enumerate(lengths):
        tokens[b, n:] = pad_id
    return tokens
