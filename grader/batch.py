"""Batch grading: prepare, skip what the gradebook already has, grade in workers, commit as results arrive.

Workers are processes (``spawn``), each with its own warm zygote and its own sandbox uid; submissions go
to them in small chunks so a crash or a kill loses at most the chunks in flight. Results come back to
this process, which alone writes the gradebook, so a rerun of the same command finishes the rest.
With ``--executor dask`` the same chunks run as tasks on a Dask cluster (:mod:`grader.dask_executor`).
"""
from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, as_completed, wait
from dataclasses import dataclass, replace
from pathlib import Path

from grader import export, report
from grader.assignment import Assignment
from grader.discover import Found
from grader.gradebook import Gradebook
from grader.results import SubmissionResult
from grader.runner import Context, Prepared, prepare, run_tests

_WORKER: dict = {}


@dataclass(frozen=True)
class Plan:
    assignment: Assignment
    device: str
    public_only: bool
    hidden_paths: tuple[str, ...]
    workers: int


def prepare_all(found: list[Found], assignment: Assignment) -> list[Prepared]:
    out = []
    for f in found:
        prep = prepare(f.path, assignment, f.submission_id)
        if f.note:
            prep = replace(prep, warnings=(*prep.warnings, f.note))
        out.append(prep)
    return out


def chunks(items: list, workers: int) -> list[list]:
    size = max(1, min(8, len(items) // (workers * 4) or 1))
    return [items[i:i + size] for i in range(0, len(items), size)]


def _init_worker(plan: Plan, counter) -> None:
    import torch

    torch.set_num_threads(1)  # workers share the cores with each other and with their cells: no oversubscription
    with counter.get_lock():
        slot = counter.value
        counter.value += 1
    _WORKER["context"] = Context(plan.assignment, plan.device, plan.public_only, slot, plan.hidden_paths)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process handles Ctrl-C and stops the workers
    signal.signal(signal.SIGTERM, _stop_worker)


def _stop_worker(*_) -> None:
    """Terminated by the main process: kill this worker's cells and zygotes, then leave."""
    try:
        _WORKER["context"].close()
    finally:
        os._exit(143)


def _grade_chunk(chunk: list[Prepared]) -> list[SubmissionResult]:
    out: list[SubmissionResult] = []
    run_tests(chunk, _WORKER["context"], out.append)
    return out


def grade(prepared: list[Prepared], plan: Plan, on_result, context: Context | None = None) -> None:
    """Grade ``prepared`` with ``plan.workers`` workers; ``on_result`` is called in this process."""
    if plan.workers <= 1 or len(prepared) <= 1:
        ctx = context or Context(plan.assignment, plan.device, plan.public_only, 0, plan.hidden_paths)
        try:
            for chunk in chunks(prepared, 1):
                run_tests(chunk, ctx, on_result)
        finally:
            if context is None:
                ctx.close()
        return
    mp = multiprocessing.get_context("spawn")
    counter = mp.Value("i", 0)
    with ProcessPoolExecutor(plan.workers, mp_context=mp, initializer=_init_worker,
                             initargs=(plan, counter)) as pool:
        pending = {pool.submit(_grade_chunk, chunk): chunk for chunk in chunks(prepared, plan.workers)}
        try:
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    _deliver(future, pending.pop(future), plan, on_result)
        except KeyboardInterrupt:
            running = [f for f in pending if not f.cancel()]
            print(f"stopping: finishing the {len(running)} chunk(s) in progress (Ctrl-C again to stop at once)",
                  file=sys.stderr, flush=True)
            try:
                for future in as_completed(running):
                    _deliver(future, pending.pop(future), plan, on_result)
            except KeyboardInterrupt:
                for process in list(getattr(pool, "_processes", {}).values()):
                    process.terminate()
            raise KeyboardInterrupt from None


def _deliver(future, chunk: list[Prepared], plan: Plan, on_result) -> None:
    try:
        results = future.result()
    except Exception as exc:  # noqa: BLE001 - a dead worker fails its chunk, not the batch
        results = [failed_result(p, plan, f"the grader failed on this submission: {exc!r}") for p in chunk]
    for result in results:
        on_result(result)


def failed_result(prep: Prepared, plan: Plan, message: str) -> SubmissionResult:
    from grader import __version__

    return SubmissionResult(prep.submission_id, plan.assignment.name, str(prep.path), prep.content_hash,
                            plan.assignment.suite_hash(plan.public_only), "grader_error", 0.0, 0.0, message,
                            device=plan.device, grader_version=__version__)


class Recorder:
    """Commits each result to the gradebook and writes its files the moment it arrives."""

    def __init__(self, out: Path, gradebook: Gradebook, progress):
        self.out, self.gradebook, self.progress = out, gradebook, progress
        self.count = 0
        self.durations: list[float] = []

    def __call__(self, result: SubmissionResult) -> None:
        self.gradebook.add(result)
        folder = self.out / result.assignment / report.safe_dirname(result.submission_id)
        folder.mkdir(parents=True, exist_ok=True)
        export.write_gradescope(result, folder / "results.json")
        report.write_submission_report(result, folder / "report.html")
        self.count += 1
        self.durations.append(result.duration)
        self.progress(result)


def write_exports(out: Path, gradebook: Gradebook) -> list[SubmissionResult]:
    results = gradebook.latest()
    export.write_grades_csv(results, out / "grades.csv")
    export.write_lms_csv(results, out / "lms.csv")
    export.write_junit(results, out / "junit.xml")
    report.write_index(results, out / "index.html", "Grades")
    return results


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def is_terminal() -> bool:
    return sys.stderr.isatty()
