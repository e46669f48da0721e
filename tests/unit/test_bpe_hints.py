"""The BPE tests, run in-process against the alternatives and the mutants: fair verdicts, confirmed hints only.

Every correct solution (the reference and ``reference/bpe/alternatives/``) passes every test; every mutant in
``reference/bpe/mutants/`` fails one, and a hint in its feedback names only a bug the mutant's docstring declares
(``bug: key[, key]``): a correct part never gets a hint about itself. The sandboxed path is covered by
``grader validate bpe``; here the student's function runs in this process (a subprocess for hash seeds).
"""
from __future__ import annotations

import importlib.util
import json
import os
import random
import re
import signal
import subprocess
import sys
import warnings
from pathlib import Path

import nbformat
import pytest

from conftest import ROOT
from grader.testing import OneShot

PUBLIC = ROOT / "assignments" / "bpe" / "tests" / "test_bpe_public.py"
HIDDEN = ROOT / "reference" / "bpe" / "tests" / "test_bpe_hidden.py"
ALTERNATIVES = sorted((ROOT / "reference" / "bpe" / "alternatives").glob("*.py"))
MUTANTS = sorted(p for p in (ROOT / "reference" / "bpe" / "mutants").glob("*.py") if p.stem != "infinite_loop")
PRELUDE = ("class BytePairEncoding:\n    PAD_token, UNK_token, CLS_token, SEP_token, MSK_token = "
           "'<pad>', '<unk>', '<cls>', '<sep>', '<msk>'\n    WORD_END = '_'\n"
           "from typing import List, Dict, Set, Tuple\nfrom collections import Counter, defaultdict\n"
           "from itertools import chain\nimport re\n")


def _module(path: Path):
    spec = importlib.util.spec_from_file_location(f"bpe_hints_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    with warnings.catch_warnings():  # points/timeout are the grader plugin's markers, unknown to this session
        warnings.simplefilter("ignore", pytest.PytestUnknownMarkWarning)
        spec.loader.exec_module(module)
    return module


PUB, HID = _module(PUBLIC), _module(HIDDEN)
R = HID.R


def reference_source() -> str:
    nb = nbformat.read(ROOT / "reference" / "bpe" / "solution.ipynb", as_version=4)
    return "\n".join(c.source for c in nb.cells if c.cell_type == "code" and "def build_bpe" in c.source)


def source_of(path: Path) -> str:
    return reference_source() if path.name == "solution.ipynb" else path.read_text()


class _TimeUp(Exception):
    pass


def _alarm(*_):
    raise _TimeUp


def _plain(value):
    return json.loads(json.dumps(value))


class FakeStudent:
    """``student`` for in-process runs: plain data in and out, exceptions and timeouts as the proxy words them."""

    def __init__(self, source: str, hash_seed: int | None = None):
        self.source, self.hash_seed = source, hash_seed
        self.ns = {"__name__": "student"}
        exec(compile(PRELUDE + source, "<student>", "exec"), self.ns)

    def _run(self, fn, *args):
        if self.hash_seed is not None:
            return self._subprocess(*args)
        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, 3.0)
        try:
            return _plain(fn(*args))
        except _TimeUp:
            raise AssertionError("build_bpe: the code did not finish in time") from None
        except Exception as exc:  # noqa: BLE001 - a student's exception is data
            raise AssertionError(f"build_bpe raised an exception:\n{type(exc).__name__}: {exc}") from None
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    def _subprocess(self, corpus, size):
        code = (PRELUDE + self.source + "\nimport json, sys\nprint(json.dumps(build_bpe(json.loads(sys.argv[1]), "
                "int(sys.argv[2]))))")
        proc = subprocess.run([sys.executable, "-c", code, json.dumps(corpus), str(size)], capture_output=True,
                              text=True, timeout=60, env={**os.environ, "PYTHONHASHSEED": str(self.hash_seed)})
        if proc.returncode:
            raise AssertionError(f"build_bpe raised an exception:\n{proc.stderr.strip().splitlines()[-1]}")
        return json.loads(proc.stdout.strip().splitlines()[-1])

    @property
    def build_bpe(self):
        def call(corpus, size):
            corpus = (w for w in corpus.items) if type(corpus) is OneShot else _plain(corpus)
            if self.hash_seed is not None:
                corpus = list(corpus)
            return self._run(self.ns["build_bpe"], corpus, size)
        return call

    def _grader_fresh(self, hash_seed: int = 0):
        return FakeStudent(self.source, hash_seed)

    def _grader_call_and_args(self, name, *args):
        args = _plain(list(args))
        result = self._run(self.ns[name], *args)
        return [result, _plain(args)]


def bpe_tests():
    """(name, points, function, kwargs) for every BPE test, parametrized cases included."""
    out = []
    for module in (PUB, HID):
        for name, fn in vars(module).items():
            if not name.startswith("test_") or not callable(fn):
                continue
            points = next(m.args[0] for m in fn.pytestmark if m.name == "points")
            if name == "test_exact_vocabularies":
                out += [(f"{name}[{label}]", points, fn, {"label": label}) for label in sorted(module.CORPORA)]
            else:
                out.append((name, points, fn, {}))
    return out


TESTS = bpe_tests()


def run_suite(path: Path) -> dict[str, str | None]:
    """Test name -> None if it passed, else the message a student reads."""
    student = FakeStudent(source_of(path))
    seeded = FakeStudent(source_of(path), hash_seed=0)
    outcome = {}
    for name, _, fn, kwargs in TESTS:
        try:
            fn(student=seeded if "hash_seed" in name else student, **kwargs)
            outcome[name] = None
        except AssertionError as exc:
            outcome[name] = str(exc)
    return outcome


def known_hints() -> dict[str, str]:
    """Hint key -> the text a student reads when that hint is given (output match or error match)."""
    texts = {key: text for key, text in R.HINTS.items()}
    texts |= {f"{key} (error)": R.error_hint(key) for key in R.BUGS}
    return texts


def declared(path: Path) -> set[str]:
    match = re.search(r"bug: ([\w, ]+)\.", path.read_text())
    return {k.strip() for k in match.group(1).split(",")} if match else set()


@pytest.mark.parametrize("path", [ROOT / "reference" / "bpe" / "solution.ipynb", *ALTERNATIVES], ids=lambda p: p.stem)
def test_every_correct_solution_passes_every_test(path):
    failed = {name: msg for name, msg in run_suite(path).items() if msg is not None}
    assert not failed, failed


@pytest.mark.parametrize("path", MUTANTS, ids=lambda p: p.stem)
def test_mutants_lose_points_and_hints_name_only_their_own_bug(path):
    outcome = run_suite(path)
    failed = {name: msg for name, msg in outcome.items() if msg is not None}
    assert failed, f"{path.stem} is not caught"
    own = declared(path)
    for name, msg in failed.items():
        named = {key.split(" ")[0] for key, text in known_hints().items() if text in msg}
        assert named <= own, f"{path.stem}: {name} names {named - own}, which it does not have:\n{msg}"
        expected = re.search(r"^Expected: (.*)$", msg, re.M)
        got = re.search(r"^Got: +(.*)$", msg, re.M)
        assert not (expected and got and expected.group(1) == got.group(1)), f"identical Expected/Got:\n{msg}"
    total = sum(points for _, points, _, _ in TESTS)
    kept = sum(points for name, points, _, _ in TESTS if outcome[name] is None)
    if path.stem == "shape_only_fake":
        assert kept <= 2, "a vocabulary of the right shape, with no BPE, earns only the specials and the order"
    if own & set(R.BUGS):
        assert any(R.HINTS[k] in m or R.error_hint(k) in m for k in own & set(R.BUGS) for m in failed.values()), \
            f"{path.stem}: its bug is never named, though its output matches it"
    assert kept < total


def _random_bpe(corpus, size, rng):
    words = R.segment(corpus)
    tokens = {s for w in words for s in w}
    while len(R.SPECIALS) + len(tokens) < size:
        pairs = R._pairs(words, "freq")
        if not pairs:
            break
        top = max(pairs.values())
        pair = rng.choice([p for p, c in pairs.items() if c == top])
        words = R._apply(words, pair, R.BPE)
        tokens.add(pair[0] + pair[1])
    return tokens


CASES = {**{k: v for k, v in HID.CORPORA.items()},
         "ties 1": (["xyxy", "yzyz"], 10), "ties 2": (["ab", "cd", "ef", "gh"], 18),
         "ties 3": (["abcab", "bcabc", "cabca"], 15), "hash": (
             "to be or not to be that is the question whether tis nobler in the mind".split(), 40),
         "metacharacters": ("f(x) = (a+b)*c? [x] a.b c++ (x+y) x*y why? [1] 1.5 g(f(x))".split(), 40),
         "backslashes": ("\\n \\t a\\b \\n \\frac \\alpha \\n".split(), 25),
         "low": (["low"] * 5 + ["lower"] * 2 + ["newest"] * 6 + ["widest"] * 3, 24)}


@pytest.mark.parametrize("label", sorted(CASES))
def test_replay_accepts_every_tie_break_with_room_to_spare(label):
    corpus, size = CASES[label]
    rng = random.Random(label)
    outcomes = set()
    for _ in range(60):
        tokens = _random_bpe(corpus, size, rng)
        outcomes.add(frozenset(tokens))
        assert R.accepts(corpus, size, tokens), sorted(tokens)
        assert len(R.accepts.states) < R.SEARCH_BUDGET // 10
    if label.startswith("ties"):
        assert len(outcomes) > 1, "a ties case must have several valid outcomes"
