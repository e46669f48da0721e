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

import contextlib
import math
import re

import torch
import torch.nn.functional as F

from grader.harness.proxy import StudentError
from grader.testing import describe, feedback

ATOL, RTOL = 1e-5, 1e-4
COURSE = (512, 8)  # the course's d_model and num_heads (d_k = 64)

MISTAKES = {
    "scale_d_model": "the scores look scaled by sqrt(d_model): divide by sqrt(d_k), the size of one head",
    "no_scale": "the scores look unscaled: divide QKᵀ by sqrt(d_k) before the softmax",
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
    "scale_64": "the scores look scaled by sqrt(64), the course's d_k: divide by sqrt(d_k) of these tensors, "
                "which the tests set to other sizes",
    "hardcoded": "sizes look hard-coded: your module is right at the course's sizes (d_model=512, 8 heads) but not "
                 "at these; use d_model, num_heads and d_k instead of 512, 8 and 64",
    "query_length": "your module is right when queries and keys have the same length but not when they differ: "
                    "split k and v with their own length, view(batch_size, -1, num_heads, d_k)",
}
_SIGNATURE = re.compile(r"TypeError: .*(positional argument|unexpected keyword argument|takes no arguments)")


def note(text: str) -> None:
    """Tell the student something about a test that passed (e.g. how their weights were loaded)."""
    import grader.testing as testing  # the engine's hook, where it exists

    hook = getattr(testing, "note", None)
    if hook is not None:
        hook(text)


# ---------------------------------------------------------------- building and loading

def _signature_error(exc: StudentError) -> bool:
    return bool(_SIGNATURE.search(str(exc)))


def build(student, d_model: int, num_heads: int, device: str = "cpu"):
    """The student's module with these sizes; returns (module, style)."""
    for name, value in (("d_model", d_model), ("num_heads", num_heads), ("d_k", d_model // num_heads)):
        student._grader_set_global(name, value)
    forms = [("explicit arguments", (), {"d_model": d_model, "num_heads": num_heads}),
             ("explicit arguments", (d_model, num_heads), {}), ("course globals", (), {}),
             ("arguments (num_heads, d_model)", (num_heads, d_model), {})]
    first = error = None
    for style, args, kwargs in forms:
        try:
            module = student.MultiheadAttention(*args, **kwargs)
        except StudentError as exc:
            if not _signature_error(exc):
                error = error or exc  # their own error, or sizes in another order: try the other forms first
            continue
        first = first or (module, style)
        shapes = _shapes(module) if args else None  # positional sizes may be in another order: check
        if shapes is None or any(d_model in s for s in shapes):
            break
    else:
        if first is None and error is not None:
            raise error
        if first is None:
            raise StudentError(f"MultiheadAttention could not be built with d_model={d_model}, num_heads={num_heads} "
                               "in any accepted way: __init__(self, d_model, num_heads), or __init__(self) with the "
                               "module variables d_model, num_heads and d_k.")
        module, style = first
    if device != "cpu":
        module.to.for_effect(device)
    module.eval.for_effect()
    return module, style


def _shapes(module):
    try:
        sd = module.state_dict()
    except StudentError:
        return None
    return [tuple(v.shape) for v in sd.values() if type(v) is torch.Tensor] if type(sd) is dict else None


def build_reference(reference, d_model: int, num_heads: int, seed: int = 0):
    reference.d_model, reference.num_heads, reference.d_k = d_model, num_heads, d_model // num_heads
    torch.manual_seed(seed)
    return reference.MultiheadAttention().eval()


ROLES = {"w_q": {"q", "query", "queries", "wq"}, "w_k": {"k", "key", "keys", "wk"},
         "w_v": {"v", "value", "values", "wv"}}


def _role(prefix: str) -> str | None:
    tokens = set(re.split(r"[._]", prefix.lower()))
    found = [r for r, words in ROLES.items() if tokens & words]
    return found[0] if len(found) == 1 else None


def _by_structure(theirs: dict, state: dict):
    """Map the reference's four layers onto the student's parameters by shape and order; (mapped, how) or None."""
    layers: dict[str, dict] = {}
    for key, value in theirs.items():
        prefix, _, leaf = key.rpartition(".")
        if leaf in ("weight", "bias") and type(value) is torch.Tensor:
            layers.setdefault(prefix, {})[leaf] = tuple(value.shape)
    D = state["w_q.weight"].shape[0]
    full = [p for p, s in layers.items() if s == {"weight": (D, D), "bias": (D,)}]
    mapped = dict(theirs)
    if len(layers) == 4 and len(full) == 4:
        for ours, prefix in zip(("w_q", "w_k", "w_v", "w_0"), full):
            mapped[f"{prefix}.weight"], mapped[f"{prefix}.bias"] = state[f"{ours}.weight"], state[f"{ours}.bias"]
        return mapped, "by structure (" + ", ".join(f"{o}→{p}" for o, p in zip(("w_q", "w_k", "w_v", "w_0"), full)) + ")"
    heads = [p for p, s in layers.items() if len(s) == 2 and s["weight"][1:] == (D,) and s["weight"][0] < D]
    if len(full) != 1 or not heads or len(heads) + 1 != len(layers) or len(heads) % 3:
        return None
    by_role: dict[str, list[str]] = {r: [] for r in ROLES}
    for prefix in heads:
        role = _role(prefix)
        if role is None:
            return None
        by_role[role].append(prefix)
    H = len(heads) // 3
    if any(len(v) != H for v in by_role.values()) or D % H:
        return None
    dk = D // H
    for role, prefixes in by_role.items():
        for h, prefix in enumerate(prefixes):
            if layers[prefix] != {"weight": (dk, D), "bias": (dk,)}:
                return None
            mapped[f"{prefix}.weight"] = state[f"{role}.weight"][h * dk:(h + 1) * dk]
            mapped[f"{prefix}.bias"] = state[f"{role}.bias"][h * dk:(h + 1) * dk]
    mapped[f"{full[0]}.weight"], mapped[f"{full[0]}.bias"] = state["w_0.weight"], state["w_0.bias"]
    return mapped, f"by structure ({H} heads of q/k/v layers, w_0→{full[0]})"


def load_weights(module, state: dict) -> str:
    """Load a reference state (keys w_q, w_k, w_v, w_0) into the student's module; returns how."""
    try:
        module.load_state_dict.for_effect(state)
        return "by name"
    except StudentError:
        pass
    theirs = module.state_dict()
    found = _by_structure(theirs, state) if type(theirs) is dict else None
    if found is None:
        D = state["w_q.weight"].shape[0]
        ours = {k: tuple(v.shape) for k, v in state.items()}
        got = {k: tuple(v.shape) if type(v) is torch.Tensor else describe(v) for k, v in theirs.items()} \
            if type(theirs) is dict else describe(theirs)
        raise feedback(f"The reference's weights could not be loaded into your module, by name or by structure "
                       f"(four nn.Linear({D}, {D}) layers with bias, in the order q, k, v, output). Parameter shapes:",
                       expected=ours, got=got)
    mapped, how = found
    module.load_state_dict.for_effect(mapped)
    note(f"Your layers have other names than w_q, w_k, w_v, w_0: the reference weights were loaded {how}.")
    return how


def copy_weights(module, ref_module) -> dict:
    """The reference module's weights, loaded into the student's module (by name or structure)."""
    state = {k: v.detach().clone() for k, v in ref_module.state_dict().items()}
    load_weights(module, state)
    return state


# ---------------------------------------------------------------- calling, comparing, diagnosing

def run(fn, *args, **kwargs):
    """Call student code; add a hint to an exception whose text proves its cause."""
    try:
        return fn(*args, **kwargs)
    except StudentError as exc:
        text = str(exc)
        if re.search(r"Expected all tensors to be on the same device", text):
            raise StudentError(text + "\nHint: a tensor was created on the CPU while the inputs are on the GPU: "
                                      "create masks with device=batch.device") from None
        raise


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


def expect_close(got, expected: torch.Tensor, what: str, variants: dict | None = None, hint: str | None = None,
                 against: str = "the reference") -> torch.Tensor:
    """Type, shape, dtype, then values; a hint only when the student's output equals a known mistake's."""
    if type(got) is not torch.Tensor:
        raise feedback(f"{what} returned {describe(got)}, expected a tensor of shape {tuple(expected.shape)}.")
    if got.shape != expected.shape:
        raise feedback(f"{what} returned a tensor of the wrong shape.", expected=tuple(expected.shape),
                       got=tuple(got.shape))
    if got.dtype != expected.dtype:
        raise feedback(f"{what} returned {got.dtype}, expected {expected.dtype}.")
    if torch.allclose(got, expected, atol=ATOL, rtol=RTOL, equal_nan=True):
        return got
    hint = hint or next((MISTAKES[name] for name, variant in (variants or {}).items() if variant.shape == got.shape
                         and torch.allclose(got, variant, atol=ATOL, rtol=RTOL, equal_nan=True)), None)
    if torch.isfinite(expected).all() and not torch.isfinite(got).all():
        bad = (~torch.isfinite(got)).nonzero()[0]
        raise feedback(f"{what} returned NaN or infinite values (first at {_where(bad)}); {against} has only "
                       "finite values.", hint=hint)
    diff = (got - expected).abs()
    at = (diff == diff.max()).nonzero()[0]
    raise feedback(f"{what} does not match {against}: the largest difference is {diff.max().item():.3g} at "
                   f"{_where(at)} (expected {expected[tuple(at)].item():.6g}, got {got[tuple(at)].item():.6g}; "
                   f"tolerance {ATOL:g} + {RTOL:g}·|expected|).", hint=hint)


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
        raise type(exc)(f"{text}\nHint: {hint}") from None


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
    if not torch.isfinite(got).all():
        raise feedback(f"{what}: NaN or infinite values (first at {_where((~torch.isfinite(got)).nonzero()[0])}).",
                       hint=hint)
    sums = got.sum(-1)
    off = (sums - 1).abs()
    if off.max() > 1e-5:
        at = (off == off.max()).nonzero()[0]
        raise feedback(f"{what}: every row must sum to 1 over the keys; row {_where(at)} sums to "
                       f"{sums[tuple(at)].item():.6g}.", hint=hint)
    if mask is not None:
        blocked = ~mask.unsqueeze(1).bool().expand_as(got)
        leaked = got.masked_fill(~blocked, 0.0).abs()
        if leaked.max() != 0.0:
            at = (leaked == leaked.max()).nonzero()[0]
            raise feedback(f"{what}: masked positions must get exactly zero attention; {_where(at)} gets "
                           f"{leaked.max().item():.3g}.", hint=hint)
    expect_close(got, expected, what, hint=hint)


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
                     variants(state, q, k, v, mask, num_heads, names))


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
                   + lists, hint=hint)


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
