"""Checks for the attention assignments, for test authors. Runs in the trusted parent only.

Fair by construction: a module is judged by what it computes through its public interface, whatever
conventions the template leaves open.

* :func:`build` constructs the student's ``MultiheadAttention`` with the sizes a test asks for, whichever way
  its ``__init__`` takes them: keyword or positional ``(d_model, num_heads)``, ``(num_heads, d_model)``, or the
  course's ``__init__(self)`` reading module globals (``d_model``, ``num_heads``, ``d_k`` are rebound first).
* :func:`load_weights` loads the reference's ``w_q, w_k, w_v, w_0`` by name, else by structure: four
  ``nn.Linear(d_model, d_model)`` in registration order (``q_proj``, ``W_q``, ``w_O``, an ``nn.ModuleList``), or
  per-head ``nn.Linear(d_model, d_k)`` layers whose names say q/k/v plus the output layer.
* :func:`attention_weights` reads ``self_attention``'s distribution with an identity basis as values, trying the
  call forms in order (no mask parameter, a 3-D mask, a mask with the head axis already added, a tuple result)
  and, as a last resort, through ``forward`` with identity projections; the form that worked is recorded.
* Hints are confirmed, never guessed: a hint names a mistake only when the student's output equals that mistake's
  output (:func:`reference_attention` applies one known mistake) or a probe proves it (:func:`probe_failure`:
  the module is right at the course's sizes, or when queries and keys have the same length).
Tolerance: float32 outputs must match within ``atol=1e-5, rtol=1e-4`` (``einsum``,
``F.scaled_dot_product_attention`` and ``-1e9`` fills differ from the reference by ~1e-7).
"""
from __future__ import annotations

import torch

from grader.testing.attention_modules import (ATOL, COURSE, MISTAKES, RTOL, build, build_reference,  # noqa: F401
                                              copy_weights, load_weights, note, run)
from grader.testing.attention_reading import (attention_weights, check_weights, diagnosed, expect_close,  # noqa: F401
                                              expect_shape, probe_failure, reference_attention, variants,
                                              weights_with)
from grader.testing.masks import (BLOCKED_HINT, COMBINE_HINT, COURSE_CAUSAL_HINT, PADDING_BLOCKED_HINT,  # noqa: F401
                                  TRIL_HINT, as_blocked, causal_variants, combine_variants, expect_mask,
                                  make_mask_variants, mask_text, nopeak, nopeak_variants, padding_variants)


# ---------------------------------------------------------------- whole checks, shared by the assignments

def check_values(student, reference, B, T, S, d_model, num_heads, device="cpu", mask=None, seed=0, names=()):
    """Exact values of forward(q, k, v, mask) against the reference with the same weights."""
    with diagnosed(student, reference, d_model, num_heads, T, S, device):
        ref = build_reference(reference, d_model, num_heads, seed)
        module, style = build(student, d_model, num_heads, device)
        state = copy_weights(module, ref)
        g = torch.Generator().manual_seed(seed + 1)
        q, k = torch.randn(B, T, d_model, generator=g), torch.randn(B, S, d_model, generator=g)
        v = torch.randn(B, S, d_model, generator=g) if S != T else k
        expected = reference_attention(state, q, k, v, mask, num_heads)
        got = run(module, q, k, v, mask) if mask is not None else run(module, q, k, v)
        expect_close(got, expected, f"MultiheadAttention(d_model={d_model}, num_heads={num_heads}) [{style}]",
                     lambda: variants(state, q, k, v, mask, num_heads, names))


def check_shape(student, reference, B, T, S, d_model, num_heads, device="cpu"):
    """forward maps (B, T, d_model) queries and (B, S, d_model) keys to (B, T, d_model)."""
    with diagnosed(student, reference, d_model, num_heads, T, S, device):
        module, style = build(student, d_model, num_heads, device)
        kv = torch.randn(B, S, d_model)
        out = run(module, torch.randn(B, T, d_model), kv, kv)
        expect_shape(out, (B, T, d_model), f"MultiheadAttention(d_model={d_model}, num_heads={num_heads}) [{style}] "
                                           f"with {T} queries and {S} keys")


def output(module, x_q, x_kv, mask=None):
    return run(module, x_q, x_kv, x_kv, mask) if mask is not None else run(module, x_q, x_kv, x_kv)


def tokens_with_padding(B, L, lengths, seed=0, pad_id=0):
    g = torch.Generator().manual_seed(seed)
    tokens = torch.randint(1, 50, (B, L), generator=g)
    for b, n in enumerate(lengths):
        tokens[b, n:] = pad_id
    return tokens


