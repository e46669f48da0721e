"""What each CLI command does, given parsed arguments; returns an exit code.

``check`` lives in :mod:`grader.student.check` (the student's side) and ``new`` in :mod:`grader.authoring.scaffold`;
both are re-exported here, so the CLI finds every command in this module.
"""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from grader import assignment as assignments
from grader.console import Progress, say as _say
from grader.authoring.scaffold import new  # noqa: F401 - a command
from grader.student.check import check  # noqa: F401 - a command
from grader.errors import EXIT_TESTS_FAILED, ChecksFailed, UsageError
from grader.harness import executors, runner
from grader.intake import discover, sources
from grader.intake.prepare import prepare, prepare_all
from grader.results import export, outputs
from grader.results.gradebook import Gradebook
from grader.sandbox.spec import missing


def grade(args) -> int:
    a = assignments.load(args.assignment)
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    limits = sources.Limits(notebook_bytes=int(args.max_notebook_mib * sources.MiB))
    run = runner.RunSpec(a, runner.resolve_device(args.device, a), args.public_only,
                         runner.hidden_roots(args.paths, out), args.workers or executors.default_workers())
    context = runner.Context(run)
    # With one worker, grading runs here: its zygotes start and the tests' imports run while intake runs. With
    # several, the workers warm up their own and this process needs neither.
    warm = threading.Thread(target=runner.import_test_side, args=(a,), daemon=True)
    if run.workers <= 1:
        context.zygotes.start(*a.hash_seeds)
        warm.start()
    try:
        found = discover.discover(args.paths, limits)
        prepared = prepare_all(found, a, limits)
        _require_protections(context, args.require.split(",") if args.require else [], args.allow_unsafe)
        book = Gradebook(out / "gradebook.sqlite")
        if warm.is_alive():
            warm.join()
        todo = [p for p in prepared
                if args.regrade or not book.has(a.name, p.submission_id, p.content_hash, run.suite_hash, run.version)]
        skipped = len(prepared) - len(todo)
        _say(f"grading {len(todo)} {a.name} submission(s) on {run.device} with {min(run.workers, max(len(todo), 1))} "
             f"worker(s){f'; {skipped} already graded (use --regrade to grade again)' if skipped else ''}")
        started = time.perf_counter()
        with Progress(len(todo)) as tick:
            recorder = outputs.Recorder(out, book, tick)
            if args.executor == "dask":
                from grader.harness import dask_executor

                dask_executor.grade(todo, run, recorder, args.scheduler)
            else:
                executors.grade(todo, run, recorder, context=context)
        elapsed = time.perf_counter() - started
        results = outputs.write_exports(out, book)
        book.close()
    finally:
        context.close()
    mine = [r for r in results if r.assignment == a.name]
    median = sorted(recorder.durations)[len(recorder.durations) // 2] if recorder.durations else 0.0
    _say(f"done: {recorder.count} graded in {elapsed:.1f} s, start-up included"
         f"{f' (median {median * 1000:.0f} ms per submission)' if recorder.count else ''}; "
         f"{sum(r.status == 'graded' for r in mine)}/{len(mine)} {a.name} submissions fully graded")
    _say(f"wrote {out / 'index.html'}, {out / 'grades.csv'}, {out / 'gradebook.sqlite'}")
    return 0


def _require_protections(context: runner.Context, required: list[str], allow_unsafe: bool) -> None:
    if not required:
        return
    applied = context.probe_protections()
    lacking = missing(applied, required)
    if lacking and not allow_unsafe:
        raise UsageError(f"the sandbox here lacks {', '.join(lacking)}, so grades would not be official "
                         f"(in force: {', '.join(applied) or 'nothing'})",
                         hint="run as root on Linux, or pass --allow-unsafe to grade anyway")


def release(args) -> int:
    from grader.student import bundle

    bundle.build(assignments.load(args.name), args.out, _say)
    return 0


def validate(args) -> int:
    from grader import validation
    from grader.authoring import lint

    a = assignments.load(args.name)
    lint.check_symbols(a)
    _say(f"step 1: assignment.toml: every symbol ({', '.join(a.symbols)}) is defined in the master solution")
    unmarked = lint.unmarked_tests(a)
    _say(f"step 2: points: {'every test has @pytest.mark.points(n)' if not unmarked else 'some tests have no marker'}")
    for test in unmarked:
        _say(f"      warning: {test} has no @pytest.mark.points(n), so it counts 1 point")
    _say("step 3: grading the reference, the released template, the alternatives and the mutants (public and hidden "
         "tests, in the sandbox)")
    return 0 if validation.validate(a, _say) else EXIT_TESTS_FAILED


def extract(args) -> int:
    a = assignments.load(args.assignment)
    if not args.notebook.is_file():
        raise UsageError(f"no such notebook: {args.notebook}")
    prep = prepare(args.notebook, a)
    if prep.unusable:
        raise ChecksFailed(prep.unusable.message)
    last = None
    for line, (where, n) in zip(prep.extraction.source.split("\n"), prep.extraction.line_map):
        if where != last:
            print(f"# ---- {where} (from line {n})")
            last = where
        print(line)
    for warning in prep.warnings:
        _say(f"warning: {warning}")
    return 0


def status(args) -> int:
    path = args.out / "gradebook.sqlite"
    if not path.is_file():
        raise UsageError(f"no gradebook at {path}", hint="run `grader grade ... --out DIR` first")
    book = Gradebook(path)
    frame = export.grades_frame(book.latest())
    book.close()
    if frame.empty:
        print("the gradebook is empty")
        return 0
    summary = frame.groupby("assignment").agg(submissions=("submission_id", "count"), mean=("score", "mean"),
                                              max_score=("max_score", "max"))
    print(summary.round(2).to_string())
    print()
    print(frame.groupby(["assignment", "status"]).size().rename("count").to_string())
    return 0


def doctor(args) -> int:
    from grader.sandbox.spec import LAYERS, PROTECTIONS

    a = assignments.Assignment("doctor", "", assignments.project_root(), (), (), 10.0)
    context = runner.Context(runner.RunSpec(a))
    try:
        applied = set(context.probe_protections())
    finally:
        context.close()
    print("sandbox layers on this machine (* = required for official grades):")
    for name, meaning in LAYERS.items():
        mark = "applied    " if name in applied else "NOT applied"
        print(f"  {mark} {name:<16}{'*' if name in PROTECTIONS else ' '} {meaning}")
    print(f"host: cgroup {_cgroup_layout()}; Landlock ABI {_landlock_abi()}; "
          f"{'root' if os.geteuid() == 0 else 'not root (grader check mode: user namespace)'}")
    return 0


def similar(args) -> int:
    from grader.similar import similar as run

    return run(args)


def _cgroup_layout() -> str:
    if os.path.exists("/sys/fs/cgroup/cgroup.controllers"):
        return "v2 (memory.max, pids.max, cpu.max)"
    if os.path.exists("/sys/fs/cgroup/memory/cgroup.procs"):
        return "v1 or hybrid (memory, pids, cpu, cpuacct controllers)"
    return "none found"


def _landlock_abi() -> int:
    from grader.sandbox.inside.syscalls import landlock_abi

    return landlock_abi()
