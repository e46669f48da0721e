"""``grader validate NAME``: the tests are the product, so test them.

The reference must score full marks, the released template zero, and every known-buggy solution in
``reference/NAME/mutants/`` must lose points. Each mutant is graded like a submission, in the sandbox.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from grader import release
from grader.assignment import Assignment
from grader.harness import runner
from grader.intake.prepare import prepare
from grader.results.records import SubmissionResult


def mutants(a: Assignment) -> list[Path]:
    folder = a.reference_folder / "mutants"
    return sorted(p for p in folder.glob("*") if p.suffix in (".ipynb", ".py")) if folder.is_dir() else []


def grade_paths(a: Assignment, paths: dict[str, Path]) -> dict[str, SubmissionResult]:
    context = runner.Context(runner.RunSpec(a, hidden=runner.hidden_roots(list(paths.values()))))
    out: dict[str, SubmissionResult] = {}
    try:
        runner.run_tests([prepare(p, a, sid) for sid, p in paths.items()], context,
                         lambda r: out.__setitem__(r.submission_id, r))
    finally:
        context.close()
    return out


def validate(a: Assignment, say) -> bool:
    with tempfile.TemporaryDirectory() as tmp:
        template = Path(tmp) / f"{a.name}.ipynb"
        template.write_text(release.release_text(a.solution))
        paths = {"(reference)": a.solution, "(template)": template}
        paths |= {f"mutant {m.stem}": m for m in mutants(a)}
        results = grade_paths(a, paths)
    ok = True
    for sid, r in results.items():
        if sid == "(reference)":
            good = r.status == "graded" and r.score == r.max_score
            verdict = "full marks" if good else "NOT full marks"
        elif sid == "(template)":
            good = r.score == 0
            verdict = "zero" if good else "NOT zero"
        else:
            good = r.score < r.max_score
            caught = [t.name for t in r.tests if t.outcome in ("failed", "error")]
            verdict = f"caught by {', '.join(caught)}" if good else "NOT CAUGHT"
        ok &= good
        say(f"{'ok ' if good else 'BAD'} {sid}: {r.score:g}/{r.max_score:g} {verdict}")
    return ok
