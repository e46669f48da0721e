"""``grader validate NAME``: the tests are the product, so test them.

Graded like submissions, in the sandbox, in one session:
* the reference (``reference/NAME/solution.ipynb``) must score full marks;
* every correct alternative in ``reference/NAME/alternatives/`` must score full marks too (a correct solution
  gets full marks however it is written);
* the released template must score zero;
* every known-buggy solution in ``reference/NAME/mutants/`` must lose points, and a mutant counts as caught
  only by a test that passes for the reference (a broken test catches nothing).
Every failure is explained: the test, its message, and for a test error the instructor detail. The
mutation score (mutants caught / mutants) is printed.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from grader import release
from grader.assignment import Assignment
from grader.harness import runner
from grader.intake.prepare import prepare
from grader.results.records import ERROR, FAILED, PASSED, SubmissionResult

SUFFIXES = (".ipynb", ".py")


def solutions(a: Assignment, kind: str) -> list[Path]:
    """The files of ``reference/NAME/<kind>/`` (``mutants`` or ``alternatives``)."""
    folder = a.reference_folder / kind
    return sorted(p for p in folder.iterdir() if p.suffix in SUFFIXES and p.is_file()) if folder.is_dir() else []


def mutants(a: Assignment) -> list[Path]:
    return solutions(a, "mutants")


def grade_paths(a: Assignment, paths: dict[str, Path], public_only: bool = False,
                reference=None) -> dict[str, SubmissionResult]:
    """Grade ``paths`` (label → file) in one session; ``reference`` replaces the solution the ``reference``
    fixture answers from (a recorder or a replayer of recorded answers, for bundles)."""
    context = runner.Context(runner.RunSpec(a, public_only=public_only, hidden=runner.hidden_roots(list(paths.values()))))
    if reference is not None:
        context._reference = reference
    out: dict[str, SubmissionResult] = {}
    try:
        runner.run_tests([prepare(p, a, sid) for sid, p in paths.items()], context,
                         lambda r: out.__setitem__(r.submission_id, r))
    finally:
        context.close()
    return out


@dataclass(frozen=True)
class Check:
    label: str
    good: bool
    verdict: str
    reasons: tuple[str, ...] = ()


def _why(r: SubmissionResult, outcomes=(FAILED, ERROR)) -> tuple[str, ...]:
    """What went wrong, test by test: the message, and for a test error the instructor's detail."""
    lines = [f"{r.status}: {r.message.splitlines()[0] if r.message else ''}"] if r.status != "graded" else []
    for t in r.tests:
        if t.outcome in outcomes:
            text = (t.message or t.outcome).strip().splitlines()
            lines.append(f"{t.name} ({t.outcome}): {text[0] if text else ''}")
            if t.outcome == ERROR and t.detail:
                lines += [f"    {line}" for line in t.detail.strip().splitlines()[-6:]]
    return tuple(lines)


def judge(results: dict[str, SubmissionResult]) -> list[Check]:
    """Each graded file's verdict; mutants are judged only by tests that pass for the reference."""
    ref = results["(reference)"]
    trusted = {t.name for t in ref.tests if t.outcome == PASSED}
    checks = []
    for sid, r in results.items():
        score = f"{r.score:g}/{r.max_score:g}"
        if sid == "(reference)" or sid.startswith("alternative "):
            good = r.status == "graded" and r.score == r.max_score
            checks.append(Check(sid, good, f"{score} {'full marks' if good else 'NOT full marks'}",
                                () if good else _why(r)))
        elif sid == "(template)":
            good = r.score == 0
            checks.append(Check(sid, good, f"{score} {'zero' if good else 'NOT zero'}",
                                () if good else tuple(f"{t.name} passed" for t in r.tests if t.outcome == PASSED)))
        else:
            caught = [t.name for t in r.tests if t.outcome in (FAILED, ERROR) and t.name in trusted]
            good = bool(caught)
            verdict = f"{score} caught by {', '.join(caught)}" if good else f"{score} NOT CAUGHT"
            reasons = () if good else (("it lost points only on tests that fail for the reference too",)
                                       if r.score < r.max_score else ("it scored full marks",))
            checks.append(Check(sid, good, verdict, reasons))
    return checks


def validate(a: Assignment, say) -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / f"{a.name}.ipynb"
        template.write_text(release.release_text(a.solution))
        paths = {"(reference)": a.solution, "(template)": template}
        paths |= {f"alternative {p.stem}": p for p in solutions(a, "alternatives")}
        paths |= {f"mutant {p.stem}": p for p in mutants(a)}
        checks = judge(grade_paths(a, paths))
    for check in checks:
        say(f"{'ok ' if check.good else 'BAD'} {check.label}: {check.verdict}")
        for reason in check.reasons:
            say(f"      {reason}")
    killed = [c for c in checks if c.label.startswith("mutant ")]
    alternatives = [c for c in checks if c.label.startswith("alternative ")]
    say(f"{a.name}: mutation score {sum(c.good for c in killed)}/{len(killed)}; "
        f"alternatives at full marks {sum(c.good for c in alternatives)}/{len(alternatives)}")
    return all(c.good for c in checks)
