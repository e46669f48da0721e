"""``grader check NOTEBOOK``: a student's self-check, from a bundle beside the notebook or the course repository.

Which assignment: ``--assignment``, else the notebook's metadata (``grader.assignment``, written by
``release``: a renamed ``my_homework.ipynb`` still works), else the bundle's, else the file name. Which
tests: the bundle beside the notebook (the folder holding ``assignment.toml``, or ``--bundle DIR``), else the
course repository's ``assignments/`` (see :func:`grader.assignment.project_root`). ``NOTEBOOK`` may be the
bundle's folder: the notebook in it whose metadata names the assignment is checked (what CI runs).
"""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from grader import assignment as assignments
from grader.student import ci, student_view
from grader.errors import EXIT_TESTS_FAILED, UsageError
from grader.harness import runner
from grader.intake.prepare import prepare
from grader.results import export
from grader.results.records import PASSED, SKIPPED


def notebook_assignment(path: Path) -> str | None:
    """``metadata.grader.assignment`` of a notebook, or None (unreadable files are judged later, by intake)."""
    try:
        meta = json.loads(path.read_text(encoding="utf-8-sig")).get("metadata", {})
        name = meta.get("grader", {}).get("assignment")
        return name if isinstance(name, str) and name.isidentifier() else None
    except (OSError, ValueError, AttributeError):
        return None


def _pick_notebook(folder: Path, wanted: str | None) -> Path:
    notebooks = sorted(p for p in folder.glob("*.ipynb") if not p.name.startswith("."))
    mine = [p for p in notebooks if wanted and notebook_assignment(p) == wanted] or notebooks
    if len(mine) == 1:
        return mine[0]
    if not mine:
        raise UsageError(f"no notebook in {folder}", hint="pass the notebook: grader check my_work.ipynb")
    raise UsageError(f"{folder} holds several notebooks of {wanted or 'this assignment'}: "
                     f"{', '.join(p.name for p in mine)}", hint="pass the one to check: grader check NOTEBOOK")


def locate(path: Path, name: str | None, bundle: Path | None) -> tuple[Path, assignments.Assignment]:
    """The notebook to check and its assignment (from a bundle or the course repository)."""
    if not path.exists():
        raise UsageError(f"no such notebook: {path}")
    if bundle is not None and not (bundle / "assignment.toml").is_file():
        raise UsageError(f"{bundle} is not an assignment bundle (no assignment.toml)",
                         hint="pass the folder `grader release` wrote, the one with assignment.toml")
    found = assignments.find_bundle(bundle or (path if path.is_dir() else path.parent))
    if path.is_dir():
        path = _pick_notebook(path, name or (found[1] if found else None))
    name = name or notebook_assignment(path) or (found[1] if found else None)
    if found is not None and name == found[1]:
        return path, assignments.load(name, root=found[0])
    if found is not None and name is not None and bundle is not None:
        raise UsageError(f"{path.name} is for {name!r}, but the bundle in {found[0]} is {found[1]!r}")
    root = assignments.project_root()
    known = sorted(p.parent.name for p in (root / "assignments").glob("*/assignment.toml"))
    name = name or _guess(path, known)
    return path, assignments.load(name, root=root)


def _guess(path: Path, known: list[str]) -> str:
    matches = [k for k in known if path.stem == k or path.stem.startswith(k) or k in path.stem]
    if len(matches) == 1:
        return matches[0]
    if not known:
        raise UsageError(f"cannot tell which assignment {path.name} is: no bundle beside it",
                         hint="check the notebook inside the folder your course gave you (the one with "
                              "assignment.toml and tests/), or pass --bundle DIR")
    raise UsageError(f"cannot tell which assignment {path.name} is", hint=f"pass --assignment, one of: "
                     f"{', '.join(known)}")


def check(args) -> int:
    notebook, a = locate(args.notebook, args.assignment, args.bundle)
    results = []
    with tempfile.TemporaryDirectory(prefix="grader-check-") as work:
        copy = Path(work) / notebook.name  # graded from an empty working folder; the workspace is hidden
        shutil.copyfile(notebook, copy)
        run = runner.RunSpec(a, runner.resolve_device(args.device, a), public_only=True,
                             hidden=runner.hidden_roots([notebook]) + _private_places(notebook))
        context = runner.Context(run)
        try:
            prep = dataclasses.replace(prepare(copy, a), path=notebook)  # reported as the student named it
            runner.run_tests([prep], context, results.append)
        finally:
            context.close()
    result = results[0]
    lacking = _not_applied(result.protections)
    if lacking and args.format != "text":  # text output says it in its last line; machine formats on stderr
        print(f"sandbox: could not apply here: {', '.join(lacking)} (`grader doctor` explains each; as root on "
              "Linux all apply)", file=sys.stderr)
    shown = os.path.relpath(notebook) if not os.path.relpath(notebook).startswith("..") else str(notebook)
    if args.junit:
        export.write_junit(results, args.junit)
    if args.format == "json":
        print(json.dumps(export.gradescope(result), indent=2, ensure_ascii=False))
    elif args.format == "junit":
        export.junit(results).write(sys.stdout, encoding="unicode", xml_declaration=True)
        print()
    elif args.format == "github":
        print("\n".join(ci.annotations(result, shown)))
        summary = args.summary or os.environ.get("GITHUB_STEP_SUMMARY")
        if summary:
            ci.write_summary(result, shown, Path(summary))
    else:
        print(student_view.summary(result, color=sys.stdout.isatty(), verbose=args.verbose))
    ok = result.status == "graded" and all(t.outcome in (PASSED, SKIPPED) for t in result.tests)
    return 0 if ok else EXIT_TESTS_FAILED


def _private_places(notebook: Path) -> tuple[str, ...]:
    """What a local check hides besides the notebook's folder: HOME and the enclosing repository (.git)."""
    places = {str(Path.home())}
    for folder in Path(os.path.realpath(notebook)).parents:
        if (folder / ".git").exists():
            places.add(str(folder))
            break
    return tuple(sorted(p for p in places if p != "/"))


def _not_applied(applied) -> list[str]:
    """Layers that did not apply, leaving out a fallback whose better layer applied (hide vs minimal-root)."""
    from grader.sandbox.spec import LAYERS

    applied = set(applied)
    if not applied:
        return []
    alternatives = {"hide": "minimal-root", "userns": "uid"}
    return [n for n in LAYERS if n not in applied and alternatives.get(n) not in applied
            and not (n == "minimal-root" and "hide" in applied and "uid" in applied)]
