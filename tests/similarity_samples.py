"""Submissions for the similarity tests: a renamed copy of a sample, and the template plus one line.

``RENAMED`` is ``submissions/bpe/alice_regex.ipynb``'s ``build_bpe`` with every variable and helper renamed,
comments added and changed, and the layout redone (line breaks, spacing, blank lines, quotes).
"""
from __future__ import annotations

import json
from pathlib import Path

from conftest import ROOT

SAMPLES = ROOT / "submissions" / "bpe"
TEMPLATE = ROOT / "assignments" / "bpe" / "bpe.ipynb"

RENAMED = '''from typing import List, Dict, Set, Tuple
import re
from collections import defaultdict, Counter

def build_bpe(corpus: List[str], max_vocab_size: int) -> List[str]:
    # the five special tokens go first
    pad_tok = BytePairEncoding.PAD_token
    unk_tok = BytePairEncoding.UNK_token
    cls_tok = BytePairEncoding.CLS_token
    sep_tok = BytePairEncoding.SEP_token
    msk_tok = BytePairEncoding.MSK_token
    specials = [pad_tok, unk_tok, cls_tok, sep_tok, msk_tok]
    end_mark = BytePairEncoding.WORD_END
    # word -> how often it occurs, as space separated symbols
    freqs = Counter(" ".join(list(w) + [end_mark]) for w in corpus)
    subwords = []
    for w in freqs:
        for sym in w.split():
            if sym not in subwords:
                subwords.append(sym)

    def count_pairs(table):
        # how often each adjacent pair of symbols appears
        counts = defaultdict(int)
        for w, n in table.items():
            syms = w.split()
            for j in range(len(syms) - 1):
                counts[syms[j], syms[j + 1]] += n
        return counts

    def apply_merge(best_pair, old):
        new = {}
        pattern_text = re.escape(" ".join(best_pair))
        rx = re.compile(r"(?<!\\S)" + pattern_text + r"(?!\\S)")
        for w in old:
            new[rx.sub("".join(best_pair), w)] = old[w]
        return new

    while len(specials) + len(subwords) < max_vocab_size:
        counts = count_pairs(freqs)
        if not counts:
            break  # nothing left to merge
        top = max(counts, key=counts.get)
        freqs = apply_merge(top, freqs)
        if "".join(top) not in subwords:
            subwords.append("".join(top))

    # longest first
    return specials + sorted(subwords, key=len, reverse=True)
'''

EXTRA_LINE = "    idx2word = [PAD, UNK, CLS, SEP, MSK] + sorted(set(''.join(corpus)))\n"


def template_plus_one_line(path: Path) -> Path:
    """The released template with one line of code added to ``build_bpe`` (before its ``raise``)."""
    nb = json.loads(TEMPLATE.read_text())
    for cell in nb["cells"]:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "code" and source.lstrip().startswith("def build_bpe"):
            head, raise_, tail = source.partition("    raise NotImplementedError")
            assert raise_, "the template's build_bpe changed: update this helper"
            cell["source"] = head + EXTRA_LINE + raise_ + tail
    path.write_text(json.dumps(nb))
    return path


def notebook_with(path: Path, source: str) -> Path:
    """A notebook whose one code cell is ``source`` (the class it needs is provided by the grader)."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source)]
    nbformat.write(nb, path)
    return path
