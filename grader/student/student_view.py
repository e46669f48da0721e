"""What a student reads after ``grader check``: each reason once, the protections in one short line.

The same failure is never printed twice: a submission that cannot be graded (not a notebook, nothing to
grade) says why once and lists the tests it stopped; tests that failed for the same reason as an earlier one
point back to it. The sandbox is summarised in a line (``full`` or what is missing, in words);
``--verbose`` lists every layer. Student text is cleaned of escape sequences and workflow commands.
"""
from __future__ import annotations

from grader.results.records import PASSED, SKIPPED, SubmissionResult
from grader.results.sanitize import plain_output as _clean
from grader.sandbox.spec import LAYERS, PROTECTIONS, missing

_PLAIN = {"netns": "no network", "pidns": "own processes only", "mountns": "own mounts",
          "uid": "a separate user", "hide": "your files hidden", "rlimit-cpu": "CPU-time limit",
          "rlimit-as": "memory limit", "userns": "a user namespace"}


def protections_line(protections: tuple[str, ...], verbose: bool = False) -> list[str]:
    """One line by default; every layer (applied or not) with ``verbose``."""
    if not protections:
        return ["sandbox: no cell was started"]
    lacking = missing(protections)
    if not verbose:
        shown = ", ".join(_PLAIN[p] for p in ("netns", "rlimit-as", "rlimit-cpu", "uid", "hide") if p in protections)
        state = "full" if not lacking else "partial (fine for a self-check)"
        return [f"sandbox: {state}: {shown or 'resource limits'}  (details: --verbose)"]
    lines = ["sandbox layers:"]
    for name, meaning in LAYERS.items():
        mark = "applied    " if name in protections else "not applied"
        lines.append(f"  {mark} {name:<16}{'*' if name in PROTECTIONS else ' '} {meaning}")
    if lacking:
        lines.append(f"  * official grading requires these; missing here: {', '.join(lacking)} (it runs as root on "
                     "Linux; without root a user namespace still takes the network away)")
    return lines


def summary(r: SubmissionResult, color: bool = False, verbose: bool = False) -> str:
    green, red, dim, bold, off = ("\x1b[32m", "\x1b[31m", "\x1b[2m", "\x1b[1m", "\x1b[0m") if color else ("",) * 5
    lines = [f"{bold}{r.assignment}{off} · {_clean(r.path)}"]
    stopped = r.status != "graded" and r.status != "grader_error"
    if stopped:
        lines.append(f"{red}{_explain_status(r.status)}{off}")
        lines += [f"  {_clean(line)}" for line in r.message.split("\n")]
    for w in r.warnings:
        lines.append(f"{dim}note: {_clean(w)}{off}")
    if stopped and all(t.outcome != PASSED for t in r.tests):
        names = ", ".join(_clean(t.name) for t in r.tests)
        lines.append(f"  {red}✘{off} none of the {len(r.tests)} public tests could run: {names}")
    else:
        lines += _tests(r, green, red, dim, off)
    passed = sum(t.outcome == PASSED for t in r.tests)
    counted = sum(t.outcome != SKIPPED for t in r.tests)
    lines += ["", f"{passed}/{counted} public tests passed, {r.score:g}/{r.max_score:g} points. "
                  "This is a self-check: hidden tests decide the grade."]
    lines += [f"{dim}{line}{off}" for line in protections_line(r.protections, verbose)]
    return "\n".join(lines)


def _tests(r: SubmissionResult, green, red, dim, off) -> list[str]:
    lines, seen = [], {}
    for t in r.tests:
        mark = f"{green}✔{off}" if t.outcome == PASSED else (f"{dim}–{off}" if t.outcome == SKIPPED else f"{red}✘{off}")
        lines.append(f"  {mark} {_clean(t.name)}  ({t.points:g}/{t.max_points:g})"
                     + (f"  {dim}{_clean(t.description)}{off}" if t.description else ""))
        lines += [f"      {dim}note: {_clean(n)}{off}" for n in t.notes]
        if t.outcome == PASSED:
            continue
        message = (t.message or "").strip()
        if message and message == r.message.strip():
            continue  # already said at the top
        if message in seen:
            lines.append(f"      {dim}(the same reason as {_clean(seen[message])}){off}")
            continue
        if message:
            seen[message] = t.name
            lines += [f"      {_clean(line)}" for line in message.split("\n")]
        if t.output:
            lines.append("      your code printed:")
            lines += [f"      | {_clean(line)}" for line in t.output.rstrip("\n").split("\n")[:20]]
    return lines


def _explain_status(status: str) -> str:
    return {"invalid": "This file cannot be read as a notebook:",
            "unreadable": "This file cannot be read:",
            "missing_symbol": "Nothing to grade was found:",
            "load_error": "Your code failed while it was loaded:"}.get(status, f"{status}:")
