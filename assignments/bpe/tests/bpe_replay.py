"""Trusted BPE replay shared by the public and hidden BPE tests (loaded by path; never sent to the cell).

``accepts`` answers "is this a vocabulary BPE can produce on this corpus?" by replaying BPE: at every
step *any* of the most frequent pairs may be merged (ties are free), and only merges whose result is in
the student's vocabulary are explored, so the search follows the student's own choices.

The same replay runs under a :class:`Rule` that describes a known bug (pairs not weighted by word
frequency, no end-of-word symbol, ``str.replace`` merges, a regex built without ``re.escape``, ...).
A hint names a bug only when the student's vocabulary is exactly what that bug produces on that input
(:func:`diagnose`); otherwise the message says what differs (:func:`differences`) and nothing more.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Iterable

SPECIALS = ("<pad>", "<unk>", "<cls>", "<sep>", "<msk>")
END = "_"
SEARCH_BUDGET = 20_000  # states; a correct vocabulary of our corpora needs under 1,000 (tests/test_bpe_hints.py)
DIAGNOSIS_BUDGET = 500  # a bug is named only when its replay answers within this many states


class ReplayTooLarge(RuntimeError):
    """The replay ran out of states: an instructor error (a corpus with too many ties), never a verdict."""


# ------------------------------------------------------------------ merges (correct and buggy)

def merge_symbols(word: tuple, pair: tuple) -> tuple:
    """Merge every occurrence of ``pair`` in ``word``, left to right, on symbols."""
    a, b = pair
    if a not in word:
        return word
    out, i, n = [], 0, len(word)
    while i < n:
        if i + 1 < n and word[i] == a and word[i + 1] == b:
            out.append(a + b)
            i += 2
        else:
            out.append(word[i])
            i += 1
    return tuple(out)


def merge_str_replace(word: tuple, pair: tuple) -> tuple:
    """The bug: ``' '.join(word).replace('b c', 'bc')`` also glues 'ab c' (a match across symbol boundaries)."""
    return tuple(" ".join(word).replace(" ".join(pair), "".join(pair)).split(" "))


def merge_regex_no_escape(word: tuple, pair: tuple) -> tuple:
    """The bug: a look-around regex built without ``re.escape`` ('.' matches any symbol; '(' raises)."""
    pattern = r"(?<!\S)" + " ".join(pair) + r"(?!\S)"
    return tuple(re.sub(pattern, "".join(pair), " ".join(word)).split(" "))


def merge_regex_raw_replacement(word: tuple, pair: tuple) -> tuple:
    """The bug: the pattern is escaped but the replacement is not (re.sub reads '\\' in it as an escape)."""
    pattern = r"(?<!\S)" + re.escape(" ".join(pair)) + r"(?!\S)"
    return tuple(re.sub(pattern, "".join(pair), " ".join(word)).split(" "))


# ------------------------------------------------------------------ rules

@dataclass(frozen=True)
class Rule:
    """How one BPE variant counts, merges and stops. ``BPE`` is the assignment; the others are bugs."""
    key: str
    hint: str = ""
    word_end: bool = True
    count: str = "freq"  # "freq": occurrences x word frequency; "once": each distinct word once; "set": a pair once per word
    extra: int | None = 0  # tokens allowed past max_vocab_size (None: the size is ignored)
    merge: Callable = merge_symbols
    all_ties: bool = False  # merges every most frequent pair in one step


BPE = Rule("bpe")

# Known bugs: (what the buggy code is, how to fix it). A hint quotes them only when the student's output (or
# error) is exactly the bug's on that input.
BUGS = {
    "unweighted": ("BPE with each distinct word counted once",
                   "weight every pair by its word's frequency (pairs[p] += freq)"),
    "pair_once_per_word": ("BPE that counts a pair once per word",
                           "a pair that occurs twice in a word ('a a' in 'aaa_') counts twice"),
    "no_word_end": ("BPE without the end-of-word symbol", "every word ends with '_' before merging"),
    "off_by_one": ("BPE with one merge too many", "stop when the size reaches max_vocab_size (< rather than <=)"),
    "specials_not_counted": ("BPE that leaves the five specials out of max_vocab_size",
                             "the specials are part of the size"),
    "budget_ignored": ("BPE that merges until no pair is left", "stop when the vocabulary reaches max_vocab_size"),
    "str_replace": ("BPE that merges with str.replace",
                    "replacing 'b c_' with 'bc_' also rewrites 'ab c_' into one symbol; merge on lists of symbols, "
                    "or use a regex with (?<!\\S) and (?!\\S) around the pair"),
    "no_re_escape": ("BPE whose merge regex is built without re.escape",
                     "'.', '(', '+', '*', '?', '[' and '\\' are regex syntax: escape the pair "
                     "(re.escape(' '.join(pair)))"),
    "raw_replacement": ("BPE that passes the merged symbol to re.sub as a raw replacement string",
                        "re.sub reads '\\' in the replacement as an escape; pass a function (lambda m: new) "
                        "or escape it"),
    "all_ties": ("BPE that merges every most frequent pair in one step", "merge one pair, then count again"),
}

HINTS = {
    **{key: f"this is exactly what {what} gives on this corpus: {fix}" for key, (what, fix) in BUGS.items()},
    "hash_order": "your two vocabularies are each a valid BPE result, but they merged different pairs among "
                  "equally frequent ones, so your tie-break depends on string hashing (iterating a set, or max "
                  "over one); break ties by something deterministic, such as the order pairs were first seen",
    "len_generator": "a generator has no len() and cannot be indexed; iterate the corpus once (Counter(corpus))",
    "generator_differs": "a generator can be iterated only once: iterate the corpus once (Counter(corpus)) and "
                         "work on the counts",
    "corpus_length": "the same words 10 times fewer finish quickly, so the time grows with the number of words, "
                     "not of distinct words: count words once (Counter(corpus)) and merge on the distinct words",
    "sorted_in_place": "your list came back sorted: list.sort() sorts the caller's list; use sorted(...) or "
                       "Counter(corpus)",
}


def error_hint(key: str) -> str:
    what, fix = BUGS[key]
    return f"{what} raises this same error on this corpus: {fix}"


RULES = (
    Rule("unweighted", HINTS["unweighted"], count="once"),
    Rule("pair_once_per_word", HINTS["pair_once_per_word"], count="set"),
    Rule("no_word_end", HINTS["no_word_end"], word_end=False),
    Rule("off_by_one", HINTS["off_by_one"], extra=1),
    Rule("specials_not_counted", HINTS["specials_not_counted"], extra=len(SPECIALS)),
    Rule("budget_ignored", HINTS["budget_ignored"], extra=None),
    Rule("str_replace", HINTS["str_replace"], merge=merge_str_replace),
    Rule("no_re_escape", HINTS["no_re_escape"], merge=merge_regex_no_escape),
    Rule("raw_replacement", HINTS["raw_replacement"], merge=merge_regex_raw_replacement),
    Rule("all_ties", HINTS["all_ties"], all_ties=True),
)


# ------------------------------------------------------------------ replay

def segment(corpus: Iterable[str], rule: Rule = BPE) -> dict[tuple, int]:
    """Distinct words as symbol tuples (end-of-word added) with their frequencies, in first-seen order."""
    tail = (END,) if rule.word_end else ()
    return {tuple(w) + tail: c for w, c in Counter(corpus).items()}


def _pairs(words: dict[tuple, int], count: str) -> dict[tuple, int]:
    pairs: dict[tuple, int] = {}
    for w, c in words.items():
        ws = zip(w, w[1:]) if count != "set" else dict.fromkeys(zip(w, w[1:]))
        weight = 1 if count == "once" else c
        for p in ws:
            pairs[p] = pairs.get(p, 0) + weight
    return pairs


def _apply(words: dict[tuple, int], pair: tuple, rule: Rule) -> dict[tuple, int]:
    out: dict[tuple, int] = {}
    for w, c in words.items():
        m = rule.merge(w, pair)
        out[m] = out.get(m, 0) + c
    return out


def _step(words: dict[tuple, int], pairs: dict[tuple, int], pair: tuple, rule: Rule):
    """``_apply(words, pair, rule)`` and its pair counts, updated from ``pairs`` for the words that changed only
    (a replay step used to count every pair of every word again). The counts' order is not ``_pairs``' order:
    ties are ordered by :func:`_first_seen`."""
    merge, count, (a, b) = rule.merge, rule.count, pair
    symbols = merge is merge_symbols
    out: dict[tuple, int] = {}
    changed: list = []
    for w, c in words.items():
        m = w if symbols and (a not in w or b not in w) else merge(w, pair)
        if m in out:  # two words became one (no merge of ours does that): count the result afresh
            out[m] += c
            changed = None
        else:
            out[m] = c
        if m != w and changed is not None:
            changed.append((w, m, 1 if count == "once" else c))
    if changed is None:
        return out, _pairs(out, count)
    if not changed:
        return out, pairs
    new = dict(pairs)
    for w, m, weight in changed:
        for p in (zip(w, w[1:]) if count != "set" else dict.fromkeys(zip(w, w[1:]))):
            left = new[p] - weight
            if left:
                new[p] = left
            else:
                del new[p]
        for p in (zip(m, m[1:]) if count != "set" else dict.fromkeys(zip(m, m[1:]))):
            new[p] = new.get(p, 0) + weight
    return out, new


def _best(words: dict[tuple, int], pairs: dict[tuple, int]) -> list[tuple]:
    """The most frequent pairs in the order ``_pairs`` would list them: by first occurrence in the words."""
    top = max(pairs.values())
    best = [p for p, c in pairs.items() if c == top]
    return best if len(best) < 2 else _first_seen(words, best)


def _first_seen(words: dict[tuple, int], best: list[tuple]) -> list[tuple]:
    want, order = set(best), {}
    for w in words:
        for p in zip(w, w[1:]):
            if p in want:
                order.setdefault(p, None)
        if len(order) == len(want):
            break
    return list(order)


def _overlapping(words: dict[tuple, int], options: list[tuple]) -> set[tuple]:
    """Pairs of ``options`` that share a symbol occurrence somewhere (x y z with (x, y) and (y, z) both options).

    Two options that never overlap commute: merging one leaves the other's count and places unchanged.
    """
    wanted = set(options)
    out = set()
    for w in words:
        for x, y, z in zip(w, w[1:], w[2:]):
            if (x, y) in wanted and (y, z) in wanted:
                out.add(((x, y), (y, z)))
                out.add(((y, z), (x, y)))
    return out


def _full(tokens, size: int, rule: Rule) -> bool:
    return rule.extra is not None and len(SPECIALS) + len(tokens) >= size + rule.extra


def accepts(corpus, size: int, subwords, rule: Rule = BPE, budget: int = SEARCH_BUDGET) -> bool:
    """True if some choice among equally frequent pairs makes ``rule`` produce exactly ``subwords``.

    A depth-first replay that only merges pairs whose result is in ``subwords``; equally frequent pairs
    with no symbol in common commute, so only one order of them is explored (sleep sets). Raises what
    the rule's merge raises (a regex error) and :class:`ReplayTooLarge` past ``budget`` states.
    """
    subwords = frozenset(subwords)
    words = segment(corpus, rule)
    start = frozenset(s for w in words for s in w)
    if not start <= subwords:
        return False
    if rule.extra is not None and len(subwords) > max(len(start), size + rule.extra - len(SPECIALS)):
        return False  # tokens never outgrow the alphabet or the size
    if rule.merge is merge_symbols and any(not any(t[:i] in subwords and t[i:] in subwords for i in range(1, len(t)))
                                           for t in subwords - start):
        return False  # every merged token is the join of two tokens
    cap = None if rule.extra is None else size + rule.extra - len(SPECIALS)
    commuting = rule.merge is merge_symbols and not rule.all_ties
    visited: dict = {}
    accepts.states = visited  # how many states the last replay visited (tests/test_bpe_hints.py watches it)

    def search(words, pairs, tokens, asleep: frozenset) -> bool:
        key = (frozenset(words.items()), tokens)
        before = visited.get(key)
        if before is not None and before <= asleep:
            return False
        asleep = asleep if before is None else asleep & before
        visited[key] = asleep
        if len(visited) > budget:
            raise ReplayTooLarge(f"BPE replay needed more than {budget} states")
        if cap is not None and len(tokens) >= cap:
            return tokens == subwords
        if not pairs:
            return tokens == subwords
        best = _best(words, pairs)
        if rule.all_ties:
            new = tokens | {a + b for a, b in best}
            if not new <= subwords:
                return False
            for p in best:
                words, pairs = _step(words, pairs, p, rule)
            return search(words, pairs, new, frozenset())
        options = [p for p in best if p[0] + p[1] in subwords]
        linked = _overlapping(words, options) if commuting and len(options) > 1 else set()
        done: list = []
        for p in options:
            if p in asleep:
                continue
            grown = tokens | {p[0] + p[1]}
            room = cap is None or len(grown) < cap
            quiet = frozenset(q for q in (*asleep, *done) if commuting and room and (p, q) not in linked
                              and (cap is None or len(tokens | {q[0] + q[1]}) < cap))
            if search(*_step(words, pairs, p, rule), grown, quiet):
                return True
            done.append(p)
        return False

    return search(words, _pairs(words, rule.count), start, frozenset())


_PRODUCED: dict = {}  # (corpus, size, rule) -> the vocabulary, where no tie ever let ``prefer`` choose


def produce(corpus, size: int, prefer=(), rule: Rule = BPE) -> set[str]:
    """One vocabulary ``rule`` produces, breaking ties towards merges in ``prefer`` (the student's own).

    A replay that met no tie between equally frequent pairs is the same whatever ``prefer`` is: it is remembered
    for the life of the worker (a diagnosis replays ten rules on each corpus, for every student who fails it)."""
    corpus = tuple(corpus)
    key = (corpus, size, rule)
    if key in _PRODUCED:
        return set(_PRODUCED[key])
    prefer = set(prefer)
    words = segment(corpus, rule)
    pairs = _pairs(words, rule.count)
    tokens = {s for w in words for s in w}
    tied = False
    while not _full(tokens, size, rule):
        if not pairs:
            break
        best = _best(words, pairs)
        tied = tied or (len(best) > 1 and not rule.all_ties)
        chosen = best if rule.all_ties else [next((p for p in best if p[0] + p[1] in prefer), best[0])]
        merged, counted = words, pairs
        for pair in chosen:
            merged, counted = _step(merged, counted, pair, rule)
            tokens.add(pair[0] + pair[1])
        if merged == words:
            break  # a buggy merge that changes nothing would loop forever
        words, pairs = merged, counted
    if not tied:
        if len(_PRODUCED) > 4096:
            _PRODUCED.clear()
        _PRODUCED[key] = frozenset(tokens)
    return tokens


# ------------------------------------------------------------------ what a student reads

def subwords_of(vocab: list[str]) -> set[str]:
    return set(vocab) - set(SPECIALS)


def by_length(tokens) -> list[str]:
    return sorted(tokens, key=lambda t: (-len(t), t))


def diagnose(corpus, size: int, subwords, rules=RULES) -> Rule | None:
    """The one known bug whose replay gives exactly ``subwords`` on this input; None if none or several do."""
    subwords = set(subwords)
    found = []
    for rule in rules:
        try:
            if (produce(corpus, size, prefer=subwords, rule=rule) == subwords
                    or accepts(corpus, size, subwords, rule, budget=DIAGNOSIS_BUDGET)):
                found.append(rule)
        except (re.error, ReplayTooLarge):
            continue  # no verdict: name nothing
    return found[0] if len(found) == 1 else None


def raised_by(corpus, size: int, rules=RULES) -> dict[str, str]:
    """Bug key -> the error message (without its position) that bug raises on this input, for those that raise."""
    out = {}
    for rule in rules:
        try:
            produce(corpus, size, rule=rule)
        except re.error as exc:
            out[rule.key] = exc.msg
    return out


def differences(corpus, size: int, vocab: list[str]) -> str:
    """What differs between ``vocab`` and the BPE vocabulary closest to it (ties broken the student's way)."""
    got = subwords_of(vocab)
    want = produce(corpus, size, prefer=got)
    lines = []
    if len(got) != len(want):
        lines.append(f"It has {len(got)} subwords besides the specials; BPE gives {len(want)} here.")
    extra, missing = by_length(got - want), by_length(want - got)
    if extra:
        lines.append(f"Not produced by BPE here: {_clip(extra)}")
    if missing:
        lines.append(f"Missing (BPE, with ties broken your way where possible): {_clip(missing)}")
    return "\n".join(lines)


def _clip(items: list[str], n: int = 12) -> str:
    shown = ", ".join(repr(t) for t in items[:n])
    return shown + (f", … ({len(items) - n} more)" if len(items) > n else "")


def length_runs(vocab: list[str]) -> list[tuple[int, frozenset]]:
    """The vocabulary up to the order inside one length: (length, set of tokens) for each run of equal lengths."""
    runs: list[tuple[int, set]] = []
    for t in vocab:
        if runs and runs[-1][0] == len(t):
            runs[-1][1].add(t)
        else:
            runs.append((len(t), {t}))
    return [(n, frozenset(s)) for n, s in runs]


# ------------------------------------------------------------------ checks the test files share

def call_bpe(fn, corpus, size: int, hint_corpus=None) -> list[str]:
    """Call the student's ``build_bpe``; a regex error that a known bug raises on this input gets that bug's hint."""
    from grader.testing import expect_list_of_str

    try:
        return expect_list_of_str(fn(corpus, size), "build_bpe")
    except AssertionError as exc:
        text = str(exc)
        if "raised an exception" in text:
            known = raised_by(hint_corpus if hint_corpus is not None else corpus, size)
            keys = [k for k, msg in known.items() if msg in text]
            if len(keys) == 1:
                raise AssertionError(f"{text}\nHint: {error_hint(keys[0])}") from None
        raise


def no_duplicates(vocab: list[str]) -> None:
    from grader.testing import feedback

    dupes = sorted(t for t, n in Counter(vocab).items() if n > 1)
    if dupes:
        raise feedback(f"Some tokens appear more than once: {_clip(by_length(dupes))}. Every symbol and every "
                       "merge belongs in the vocabulary once, however many words contain it.")


_VERDICTS: dict = {}  # (corpus, size, vocabulary, label) -> None (valid) or the failure: many students give the same


def check_valid(corpus, size: int, vocab: list[str], label: str) -> None:
    """Fail unless ``vocab`` is, besides the specials, a vocabulary BPE can produce (ties broken any way).

    The verdict is a pure function of its inputs, so it is remembered for the life of the worker: the replay of
    a vocabulary that many students share runs once."""
    from grader.testing import feedback

    no_duplicates(vocab)
    key = (tuple(corpus), size, tuple(vocab), label)
    if key not in _VERDICTS:
        if len(_VERDICTS) > 4096:
            _VERDICTS.clear()
        _VERDICTS[key] = _verdict(corpus, size, vocab, label)
    failure = _VERDICTS[key]
    if failure is not None:
        message, hint, picture = failure
        raise feedback(message, hint=hint, pictures=[picture])


def _verdict(corpus, size: int, vocab: list[str], label: str):
    subwords = subwords_of(vocab)
    try:
        if accepts(corpus, size, subwords):
            return None
    except ReplayTooLarge:
        pass  # no way of breaking ties found within the budget: reported as not BPE, never guessed right
    rule = diagnose(corpus, size, subwords)
    return (f"The vocabulary for {label} (max_vocab_size={size}) is not one BPE can produce, whichever way ties "
            f"between equally frequent pairs are broken.\n{differences(corpus, size, vocab)}",
            rule.hint if rule else None, vocab_picture(corpus, size, vocab, label))


def vocab_picture(corpus, size: int, vocab: list[str], label: str) -> dict:
    """The student's vocabulary against the closest BPE one (ties broken their way; longest first, inside one
    length in the student's order), for the report's vocabulary diff."""
    from grader.testing.feedback import vocab as picture

    want = produce(corpus, size, prefer=subwords_of(vocab))
    seen = {t: i for i, t in enumerate(vocab)}
    ordered = sorted(want, key=lambda t: (-len(t), seen.get(t, len(vocab)), t))
    return picture(f"Your vocabulary for {label} against BPE's", list(SPECIALS) + ordered, vocab)


def check_exact(fn, corpus, size: int, label: str) -> list[str]:
    vocab = call_bpe(fn, list(corpus), size)
    check_valid(corpus, size, vocab, label)
    return vocab
