"""The attention checks, part one: constants, the known mistakes, building the student's module, loading weights.

See :mod:`grader.testing.attention` (the public face) for how the checks judge behaviour.
"""
from __future__ import annotations

import re

import torch

from grader.harness.proxy import StudentError
from grader.testing.feedback import feedback
from grader.harness.proxy import describe

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
    student._grader_set_globals({"d_model": d_model, "num_heads": num_heads, "d_k": d_model // num_heads})
    forms = [("explicit arguments", (), {"d_model": d_model, "num_heads": num_heads}),
             ("explicit arguments", (d_model, num_heads), {}), ("course globals", (), {}),
             ("arguments (num_heads, d_model)", (num_heads, d_model), {})]
    first = error = None
    # A form the class's signature refused once is refused at any sizes: it is not asked again for this submission.
    refused = student._grader_memo().setdefault("MultiheadAttention: forms refused by the signature", set())
    for i, (style, args, kwargs) in enumerate(forms):
        if i in refused:
            continue
        try:
            module = student.MultiheadAttention(*args, **kwargs)
        except StudentError as exc:
            if _signature_error(exc):
                refused.add(i)
            else:
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
        module._grader_method("to").for_effect(device)
    module._grader_method("eval").for_effect()
    return module, style


def _shapes(module):
    try:
        sd = module.state_dict()
    except StudentError:
        return None
    return [tuple(v.shape) for v in sd.values() if type(v) is torch.Tensor] if type(sd) is dict else None


_REFERENCES: dict = {}  # (reference, d_model, num_heads, seed) -> (module, RNG state after building it)


def build_reference(reference, d_model: int, num_heads: int, seed: int = 0):
    """The reference module with seeded weights (read only: its weights are copied, never changed). Built once
    per worker for each size and seed; the global RNG is left as building it leaves it, either way."""
    reference.d_model, reference.num_heads, reference.d_k = d_model, num_heads, d_model // num_heads
    torch.manual_seed(seed)
    key = (id(reference), d_model, num_heads, seed)
    if key in _REFERENCES and _REFERENCES[key][0] is reference:
        module, state = _REFERENCES[key][1:]
        torch.set_rng_state(state)
        return module
    module = reference.MultiheadAttention().eval()
    _REFERENCES[key] = (reference, module, torch.get_rng_state())
    return module


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
        module._grader_method("load_state_dict").for_effect(state)
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
    module._grader_method("load_state_dict").for_effect(mapped)
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

