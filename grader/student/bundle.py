"""``grader release NAME --out DIR``: the student bundle, everything a student receives and nothing more.

The bundle is a folder (a submission repository's root, ready for ``git init``)::

    NAME.ipynb                 the template (metadata: grader.assignment, grader.bundle_version)
    assignment.toml            the assignment's file, plus a [bundle] table naming it
    tests/                     the public tests
    reference_answers.json     what the public tests asked the reference, and its answers (grader.student.replay)
    README.md                  how to self-check
    .github/workflows/grader.yml   CI: `grader check` with annotations, a JUnit file and a job summary

Nothing of ``reference/`` is copied: the template is checked first (:func:`grader.release.check_no_solution`),
and the reference's answers are recorded by running the public tests against it (with the template, the
alternatives and the mutants, so the calls a wrong solution leads to are covered too), then replayed once
against the reference to prove they suffice. A call that was not recorded fails the release, naming the test.
"""
from __future__ import annotations

import hashlib
import shutil
import tempfile
from pathlib import Path

import nbformat

from grader import __version__, release
from grader.student import bundle_files, replay
from grader.assignment import Assignment
from grader.errors import UsageError
from grader.results.records import ERROR, PASSED

WORKFLOW = Path(".github/workflows/grader.yml")


def _submissions(a: Assignment, template: Path, everything: bool) -> dict[str, Path]:
    from grader.validation import solutions

    paths = {"(reference)": a.solution, "(template)": template}
    if everything:
        paths |= {f"alternative {p.stem}": p for p in solutions(a, "alternatives")}
        paths |= {f"mutant {p.stem}": p for p in solutions(a, "mutants")}
    return paths


def _run(a: Assignment, paths: dict[str, Path], reference) -> dict:
    """The public tests over ``paths``, the fixture ``reference`` answering from the recorder or the replayer."""
    from grader.validation import grade_paths

    return grade_paths(a, paths, public_only=True, reference=reference)


def _first_error(result) -> str:
    bad = next((t for t in result.tests if t.outcome != PASSED), None)
    if bad is None:
        return result.message
    detail = (bad.detail or bad.message).strip().splitlines()
    return f"{bad.name}: {detail[-1] if detail else bad.outcome}"


def record_answers(a: Assignment, template: Path, target: Path) -> replay.Tape:
    """Run the public tests against the reference (and the wrong solutions), keep every answer, prove they suffice."""
    tape = replay.Tape(a.name)
    results = _run(a, _submissions(a, template, everything=True), replay.recorder(a.load_reference(), tape))
    ref = results["(reference)"]
    if ref.score != ref.max_score:
        raise UsageError(f"the reference does not pass the public tests of {a.name} ({_first_error(ref)})",
                         hint=f"run `grader validate {a.name}` for every reason")
    tape.dump(target)
    replayed = replay.Tape.load(target)
    check = _run(a, _submissions(a, template, everything=False), replay.replayer(replayed))
    if replayed.misses:
        raise UsageError(f"a public test of {a.name} needs a reference answer that was not recorded: "
                         f"{replayed.misses[0]}",
                         hint="a public test must ask the reference only about its own inputs, never about "
                              "what the student's code returned (see docs/authoring.md, recorded answers)")
    for sid, result in check.items():
        if any(t.outcome == ERROR for t in result.tests) or (sid == "(reference)" and result.score != result.max_score):
            raise UsageError(f"replaying the recorded answers, {sid} gets {result.score:g}/{result.max_score:g} "
                             f"({_first_error(result)})", hint="the public tests must call the reference "
                                                               "deterministically (seed before random draws)")
    return replayed


def bundle_version(folder: Path) -> str:
    h = hashlib.sha256()
    for path in sorted([*folder.joinpath("tests").rglob("*.py"), folder / "assignment.toml", folder / replay.FILENAME]):
        h.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes())
    return f"{__version__}+{h.hexdigest()[:12]}"


def build(a: Assignment, out: Path, say) -> Path:
    """Write the bundle of ``a`` into ``out``; returns the template's path."""
    if a.bundled or not a.solution.is_file():
        raise UsageError(f"there is no master solution of {a.name} here ({a.solution})",
                         hint="release from the course repository, which has reference/")
    release.check_no_solution(a.solution, a.symbols)
    if any(out.resolve().is_relative_to(a.root.resolve() / part) for part in ("assignments", "reference")):
        raise UsageError(f"--out {out} is inside the course's assignments/ or reference/",
                         hint=f"release into a folder of its own, e.g. --out dist/{a.name}")
    out.mkdir(parents=True, exist_ok=True)
    if (out / "tests").exists():
        shutil.rmtree(out / "tests")
    shutil.copytree(a.public_tests, out / "tests", ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".*"))
    toml = (a.folder / "assignment.toml").read_text()
    (out / "assignment.toml").write_text(toml.rstrip("\n") + bundle_files.bundle_table(a.name))
    template = out / f"{a.name}.ipynb"
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / f"{a.name}.ipynb"
        plain.write_text(release.release_text(a.solution, a.name))
        say(f"recording the reference's answers to the public tests of {a.name} ...")
        tape = record_answers(a, plain, out / replay.FILENAME)
    nb = release.release_notebook(a.solution, a.name)
    version = bundle_version(out)
    nb.metadata["grader"]["bundle_version"] = version
    template.write_text(nbformat.writes(nb) + "\n")
    (out / "README.md").write_text(bundle_files.readme(a, version))
    (out / WORKFLOW).parent.mkdir(parents=True, exist_ok=True)
    (out / WORKFLOW).write_text(bundle_files.workflow(a))
    (out / ".gitignore").write_text("grader-junit.xml\n__pycache__/\n.ipynb_checkpoints/\n")
    say(f"wrote {out}: {template.name}, tests/ ({len(list((out / 'tests').glob('*.py')))} file(s)), "
        f"{replay.FILENAME} ({len(tape.entries)} recorded answer(s)), README.md, {WORKFLOW}; bundle {version}")
    return template
