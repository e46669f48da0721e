"""Regenerate the attention assignments' sample cohorts and mutants from the master solutions.

Each sample or mutant is the master solution (solution markers removed) with a few exact text
replacements: another correct style (explicit arguments, einsum, scaled_dot_product_attention) or one
known mistake. Run after changing a solution, then `make test`:

    .venv/bin/python tools/make_attention_samples.py
"""
from __future__ import annotations

import copy
import re
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent

EXPLICIT = [("    def __init__(self):\n        super(MultiheadAttention, self).__init__()\n",
             "    def __init__(self, d_model=d_model, num_heads=num_heads):\n        super().__init__()\n        self.d_model, self.num_heads, self.d_k = d_model, num_heads, d_model // num_heads\n"),
            ("self.w_q(q).view(batch_size, -1, num_heads, d_k)", "self.w_q(q).view(batch_size, -1, self.num_heads, self.d_k)"),
            ("self.w_k(k).view(batch_size, -1, num_heads, d_k)", "self.w_k(k).view(batch_size, -1, self.num_heads, self.d_k)"),
            ("self.w_v(v).view(batch_size, -1, num_heads, d_k)", "self.w_v(v).view(batch_size, -1, self.num_heads, self.d_k)"),
            (".contiguous().view(batch_size, -1, d_model)", ".contiguous().view(batch_size, -1, self.d_model)"),
            ("/ math.sqrt(d_k)", "/ math.sqrt(self.d_k)")]
EINSUM = [("attn_scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(self.d_k)", "attn_scores = torch.einsum('bhtd,bhsd->bhts', q, k) / self.d_k ** 0.5"),
          ("return torch.matmul(attn_dists, v)", "return torch.einsum('bhts,bhsd->bhtd', attn_dists, v)")]
SDPA = [("""        attn_scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(d_k)  # (B, H, T, S)
        if mask is not None:
            mask = mask.unsqueeze(1)  # a head axis: (B, 1, T, S) or (B, 1, 1, S)
            attn_scores = attn_scores.masked_fill(mask == False, float("-inf"))
        attn_dists = F.softmax(attn_scores, dim=-1)
        return torch.matmul(attn_dists, v)""", """        attn_mask = None if mask is None else mask.unsqueeze(1).bool()
        return F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask)""")]
MHA_MISTAKES = {
    "scale_d_model": [("/ math.sqrt(d_k)", "/ math.sqrt(d_model)")],
    "view_no_transpose": [("self.w_q(q).view(batch_size, -1, num_heads, d_k).transpose(1, 2)", "self.w_q(q).view(batch_size, num_heads, -1, d_k)"),
                          ("self.w_k(k).view(batch_size, -1, num_heads, d_k).transpose(1, 2)", "self.w_k(k).view(batch_size, num_heads, -1, d_k)"),
                          ("self.w_v(v).view(batch_size, -1, num_heads, d_k).transpose(1, 2)", "self.w_v(v).view(batch_size, num_heads, -1, d_k)"),
                          ("attn_values.transpose(1, 2).contiguous().view(", "attn_values.contiguous().view(")],
    "softmax_wrong_axis": [("F.softmax(attn_scores, dim=-1)", "F.softmax(attn_scores, dim=-2)")],
    "no_output_projection": [("        return self.w_0(attn_values)", "        return attn_values")],
    "hardcoded_dims": [("nn.Linear(d_model, d_model)", "nn.Linear(512, 512)"), ("-1, num_heads, d_k)", "-1, 8, 64)"),
                       (".view(batch_size, -1, d_model)", ".view(batch_size, -1, 512)"), ("math.sqrt(d_k)", "math.sqrt(64)")],
}
MASK_MISTAKES = {
    "mask_inverted": [('masked_fill(mask == False, float("-inf"))', 'masked_fill(mask == True, float("-inf"))')],
    "fill_zero": [('masked_fill(mask == False, float("-inf"))', 'masked_fill(mask == False, 0.0)')],
    "mask_after_softmax": [("""            attn_scores = attn_scores.masked_fill(mask == False, float("-inf"))
        attn_dists = F.softmax(attn_scores, dim=-1)""", """        attn_dists = F.softmax(attn_scores, dim=-1)
        if mask is not None:
            attn_dists = attn_dists.masked_fill(mask == False, 0.0)""")],
}
MASKED_ONLY = {
    "triu_not_tril": [("torch.tril(torch.ones((1, max_len, max_len)", "torch.triu(torch.ones((1, max_len, max_len)")],
    "padding_on_query_axis": [("return (batch != pad_id).unsqueeze(1)", "return (batch != pad_id).unsqueeze(2)")],
}
ENC_ONLY = {
    "keys_from_decoder": [("        batch_size = q.shape[0]\n", "        batch_size = q.shape[0]\n        k = v = q  # keys and values from the decoder input\n")],
    "src_mask_on_query_axis": [("return (src != pad_id).unsqueeze(1)", "return (src != pad_id).unsqueeze(2)")],
}
TM = {
    "course_convention_causal": [("return torch.triu(torch.ones(size, size, dtype=torch.bool), diagonal=1)", "return torch.tril(torch.ones(size, size, dtype=torch.bool))")],
    "padding_inverted": [("return tokens == pad_id", "return tokens != pad_id")],
    "combine_without_inverting": [("return ~causal_mask.unsqueeze(0) & ~key_padding_mask.unsqueeze(1)", "return causal_mask.unsqueeze(0) | key_padding_mask.unsqueeze(1)")],
    "causal_blocks_diagonal": [("diagonal=1)", "diagonal=0)")],
}
FLOAT_CAUSAL = [("return torch.triu(torch.ones(size, size, dtype=torch.bool), diagonal=1)", "return nn.Transformer.generate_square_subsequent_mask(size)")]



def solution(assignment: str) -> nbformat.NotebookNode:
    nb = nbformat.read(ROOT / "reference" / assignment / "solution.ipynb", as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = re.sub(r"\n *### (BEGIN|END) SOLUTION", "", cell.source)
    return nb


def apply(nb: nbformat.NotebookNode, replacements, label: str) -> nbformat.NotebookNode:
    nb = copy.deepcopy(nb)
    for old, new in replacements:
        cells = [c for c in nb.cells if c.cell_type == "code" and old in c.source]
        if not cells:
            raise SystemExit(f"{label}: {old!r} is not in the solution any more; update this tool")
        for cell in cells:
            cell.source = cell.source.replace(old, new)
    return nb


def as_script(nb: nbformat.NotebookNode) -> str:
    """The code cells before the 'Try it' section, as a plain .py mutant."""
    parts = []
    for cell in nb.cells:
        if cell.cell_type == "markdown" and "## Try it" in cell.source:
            break
        if cell.cell_type == "code":
            parts.append(cell.source)
    return "\n".join(parts) + "\n"


def emit(assignment: str, name: str, nb: nbformat.NotebookNode, mutant: bool) -> None:
    for i, cell in enumerate(nb.cells, start=1):
        cell.id = f"cell-{i}"
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbformat.write(nb, ROOT / "submissions" / assignment / f"{name}.ipynb")
    if mutant:
        (ROOT / "reference" / assignment / "mutants" / f"{name}.py").write_text(as_script(nb))


def main() -> None:
    for a, extra in (("mha", {}), ("masked_mha", {**MASK_MISTAKES, **MASKED_ONLY}),
                     ("enc_dec_attention", {**ENC_ONLY, "mask_inverted": MASK_MISTAKES["mask_inverted"]})):
        base = solution(a)
        emit(a, "ana_course_globals", base, False)
        emit(a, "ben_explicit_args", apply(base, EXPLICIT, a), False)
        emit(a, "cho_einsum", apply(apply(base, EXPLICIT, a), EINSUM, a), False)
        emit(a, "dan_sdpa", apply(base, SDPA, a), False)
        mistakes = dict(MHA_MISTAKES) if a == "mha" else {"scale_d_model": MHA_MISTAKES["scale_d_model"]}
        mistakes.update(extra)
        for name, repl in mistakes.items():
            emit(a, name, apply(base, repl, name), True)
    base = solution("transformer_masks")
    emit("transformer_masks", "ana_bool_masks", base, False)
    emit("transformer_masks", "ben_float_causal", apply(base, FLOAT_CAUSAL, "float"), False)
    for name, repl in TM.items():
        emit("transformer_masks", name, apply(base, repl, name), True)


if __name__ == "__main__":
    main()
