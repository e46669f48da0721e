"""What each CLI command does, given parsed arguments; returns an exit code."""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from grader import assignment as assignments
from grader import batch, discover, export, release as releasing, runner
from grader.errors import EXIT_TESTS_FAILED, EXIT_USAGE, GraderError
from grader.gradebook import Gradebook
from grader.results import PASSED, SKIPPED


def grade(args) -> int:
    a = assignments.load(args.assignment)
    device = runner.resolve_device(args.device)
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    found = discover.discover(args.paths, workdir=out)
    hidden = tuple(sorted({str(out)} | {str(f.path.resolve().parent) for f in found}))
    workers = args.workers or batch.default_workers()
    plan = batch.Plan(a, device, args.public_only, hidden, workers)
    context = runner.Context(a, device, args.public_only, 0, hidden)
    try:
        _require_protections(context, args.require.split(",") if args.require else [], args.allow_unsafe)
        book = Gradebook(out / "gradebook.sqlite")
        prepared = batch.prepare_all(found, a)
        suite = a.suite_hash(args.public_only)
        todo = [p for p in prepared if args.regrade or not book.has(a.name, p.submission_id, p.content_hash, suite,
                                                                     context.version)]
        skipped = len(prepared) - len(todo)
        _say(f"grading {len(todo)} {a.name} submission(s) on {device} with {min(workers, max(len(todo), 1))} "
             f"worker(s){f'; {skipped} already graded (use --regrade to grade again)' if skipped else ''}")
        started = time.perf_counter()
        with _progress(len(todo)) as tick:
            recorder = batch.Recorder(out, book, tick)
            if args.executor == "dask":
                from grader import dask_executor

                dask_executor.grade(todo, plan, recorder, args.scheduler)
            else:
                batch.grade(todo, plan, recorder, context=context)
        elapsed = time.perf_counter() - started
        results = batch.write_exports(out, book)
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
    cell = context.zygotes(0).cell(context.protections_wanted)
    applied = cell.protections
    cell.kill()
    missing = runner.missing_protections(applied, required)
    if missing and not allow_unsafe:
        raise GraderError(f"the sandbox here lacks {', '.join(missing)}, so grades would not be official "
                          f"(in force: {', '.join(applied) or 'nothing'})",
                          hint="run as root on Linux, or pass --allow-unsafe to grade anyway", exit_code=EXIT_USAGE)


class _progress:
    """A tqdm bar on a terminal, one plain line per submission otherwise."""

    def __init__(self, total: int):
        self.total, self.bar, self.done = total, None, 0

    def __enter__(self):
        if batch.is_terminal():
            from tqdm import tqdm

            import shutil

            width = shutil.get_terminal_size((100, 24)).columns or 100  # a pty may report 0 columns
            self.bar = tqdm(total=self.total, unit="sub", file=sys.stderr, ncols=min(width, 120))
        return self.tick

    def tick(self, result) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.set_postfix_str(f"{result.submission_id[:20]} {result.score:g}/{result.max_score:g}")
            self.bar.update(1)
        else:
            _say(f"[{self.done}/{self.total}] {result.assignment}/{result.submission_id}: {result.score:g}/"
                 f"{result.max_score:g} {result.status} ({result.duration:.2f} s)")

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.close()


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def check(args) -> int:
    from grader import terminal

    name = args.assignment or _guess_assignment(args.notebook)
    a = assignments.load(name)
    if not args.notebook.is_file():
        raise GraderError(f"no such notebook: {args.notebook}", exit_code=EXIT_USAGE)
    context = runner.Context(a, runner.resolve_device(args.device), public_only=True,
                             hidden_paths=(str(args.notebook.resolve().parent),))
    results = []
    try:
        runner.run_tests([runner.prepare(args.notebook, a)], context, results.append)
    finally:
        context.close()
    result = results[0]
    if args.format == "json":
        print(json.dumps(export.gradescope(result), indent=2, ensure_ascii=False))
    elif args.format == "junit":
        tree = export.junit(results)
        tree.write(sys.stdout, encoding="unicode", xml_declaration=True)
        print()
    elif args.format == "github":
        print(terminal.github_annotations(result, args.notebook))
    else:
        print(terminal.summary(result, color=sys.stdout.isatty()))
    ok = result.status == "graded" and all(t.outcome in (PASSED, SKIPPED) for t in result.tests)
    return 0 if ok else EXIT_TESTS_FAILED


def _guess_assignment(path: Path) -> str:
    root = assignments.project_root()
    known = sorted(p.parent.name for p in (root / "assignments").glob("*/assignment.toml"))
    matches = [k for k in known if path.stem == k or path.stem.startswith(k) or k in path.stem]
    if len(matches) == 1:
        return matches[0]
    raise GraderError(f"cannot tell which assignment {path.name} is", hint=f"pass --assignment, one of: "
                      f"{', '.join(known)}", exit_code=EXIT_USAGE)


def release(args) -> int:
    a = assignments.load(args.name)
    args.out.mkdir(parents=True, exist_ok=True)
    target = args.out / f"{a.name}.ipynb"
    target.write_text(releasing.release_text(a.solution))
    _say(f"wrote {target}")
    return 0


def validate(args) -> int:
    from grader import validation

    return 0 if validation.validate(assignments.load(args.name), _say) else EXIT_TESTS_FAILED


def extract(args) -> int:
    a = assignments.load(args.assignment)
    if not args.notebook.is_file():
        raise GraderError(f"no such notebook: {args.notebook}", exit_code=EXIT_USAGE)
    prep = runner.prepare(args.notebook, a)
    if prep.unusable:
        raise GraderError(prep.unusable.message, exit_code=EXIT_TESTS_FAILED)
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
        raise GraderError(f"no gradebook at {path}", hint="run `grader grade ... --out DIR` first",
                          exit_code=EXIT_USAGE)
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
    context = runner.Context(assignments.Assignment("doctor", "", assignments.project_root(), (), (), 10.0))
    try:
        cell = context.zygotes(0).cell(context.protections_wanted)
        print("sandbox protections in force here:")
        for p in cell.protections:
            print(f"  {p}")
        cell.kill()
    finally:
        context.close()
    return 0
