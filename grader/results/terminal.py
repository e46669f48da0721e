"""What a student reads in a terminal after ``grader check``, and GitHub workflow annotations for CI.

Student-controlled text is stripped of escape sequences before it reaches a terminal.
"""
from __future__ import annotations

from pathlib import Path

from grader.results.records import PASSED, SKIPPED, SubmissionResult
from grader.results.sanitize import github_data, github_property, plain_output as _clean
from grader.sandbox.spec import missing


def summary(r: SubmissionResult, color: bool = False) -> str:
    green, red, dim, off = ("\x1b[32m", "\x1b[31m", "\x1b[2m", "\x1b[0m") if color else ("", "", "", "")
    lines = [f"{r.assignment} · {_clean(r.path)}"]
    if r.status != "graded":
        lines.append(f"{red}{r.status}{off}: {_clean(r.message)}")
    for w in r.warnings:
        lines.append(f"{dim}warning: {_clean(w)}{off}")
    for t in r.tests:
        mark = f"{green}✔{off}" if t.outcome == PASSED else (f"{dim}–{off}" if t.outcome == SKIPPED else f"{red}✘{off}")
        lines.append(f"  {mark} {_clean(t.name)}  ({t.points:g}/{t.max_points:g})"
                     + (f"  {dim}{_clean(t.description)}{off}" if t.description else ""))
        if t.outcome != PASSED and t.message:
            lines += [f"      {_clean(line)}" for line in t.message.split("\n")]
        if t.outcome != PASSED and t.output:
            lines.append("      your code printed:")
            lines += [f"      | {_clean(line)}" for line in t.output.rstrip("\n").split("\n")[:20]]
    passed = sum(t.outcome == PASSED for t in r.tests)
    counted = sum(t.outcome != SKIPPED for t in r.tests)
    lines.append("")
    lines.append(f"{passed}/{counted} public tests passed, {r.score:g}/{r.max_score:g} points. "
                 "This is a self-check: hidden tests decide the grade.")
    lines.append(f"{dim}sandbox: {', '.join(r.protections) or 'no cell started'}{off}")
    lacking = missing(r.protections) if r.protections else []
    if lacking:
        lines.append(f"{dim}not available here: {', '.join(lacking)} (fine for a self-check; official grading runs "
                     f"as root on Linux with the full sandbox){off}")
    return "\n".join(lines)


def github_annotations(r: SubmissionResult, notebook: Path) -> str:
    """``::error file=...,title=...::message`` lines, one per failed test."""
    out = []
    for t in r.tests:
        if t.outcome not in (PASSED, SKIPPED):
            out.append(f"::error file={github_property(str(notebook))},title={github_property(t.name)}::"
                       f"{github_data(t.message or t.outcome)}")
    if r.status != "graded":
        out.append(f"::error file={github_property(str(notebook))},title={r.status}::{github_data(r.message)}")
    out.append(f"::notice title=score::{r.score:g}/{r.max_score:g} on the public tests")
    return "\n".join(out)
