"""The local executor: a pool of worker processes grading chunks of submissions, and Ctrl-C handling.

Workers are processes (``spawn``), each with its own warm zygotes and its own sandbox uid; submissions go
to them in small chunks so a crash or a kill loses at most the chunks in flight. Results come back to
this process, which alone writes the gradebook, so a rerun of the same command finishes the rest. A chunk
whose worker fails is graded again one submission at a time (in a new pool if the old one broke), so a
submission that kills its worker never takes its neighbours down with it.
With ``--executor dask`` submissions run as tasks on a Dask cluster (:mod:`grader.harness.dask_executor`).
"""
from __future__ import annotations

import multiprocessing
import os
import signal
import sys
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, as_completed, wait
from concurrent.futures.process import BrokenProcessPool

from grader.harness.outcomes import failed_result

from grader.harness.runner import Context, RunSpec, run_tests, worker_context
from grader.intake.prepare import Prepared
from grader.results.records import SubmissionResult

_WORKER: dict = {}


def chunks(items: list, workers: int) -> list[list]:
    size = max(1, min(8, len(items) // (workers * 4) or 1))
    return [items[i:i + size] for i in range(0, len(items), size)]


def _init_worker(run: RunSpec, counter) -> None:
    with counter.get_lock():
        slot = counter.value
        counter.value += 1
    _WORKER["context"] = worker_context(run, slot)
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


def grade(prepared: list[Prepared], run: RunSpec, on_result, context: Context | None = None) -> None:
    """Grade ``prepared`` with ``run.workers`` workers; ``on_result`` is called in this process."""
    if run.workers <= 1 or len(prepared) <= 1:
        ctx = context or Context(run)
        try:
            for chunk in chunks(prepared, 1):
                run_tests(chunk, ctx, on_result)
        finally:
            if context is None:
                ctx.close()
        return
    mp = multiprocessing.get_context("spawn")
    counter = mp.Value("i", 0)
    pools = [ProcessPoolExecutor(run.workers, mp_context=mp, initializer=_init_worker, initargs=(run, counter))]

    def submit(chunk: list[Prepared]):
        try:
            return pools[-1].submit(_grade_chunk, chunk)
        except BrokenProcessPool:  # a worker died: the rest goes to a new pool
            pools.append(ProcessPoolExecutor(run.workers, mp_context=mp, initializer=_init_worker,
                                             initargs=(run, counter)))
            return pools[-1].submit(_grade_chunk, chunk)

    pending = {submit(chunk): (chunk, 0) for chunk in chunks(prepared, run.workers)}
    try:
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                chunk, tries = pending.pop(future)
                for prep in _deliver(future, chunk, tries, run, on_result):
                    pending[submit([prep])] = ([prep], tries + 1)
    except KeyboardInterrupt:
        running = [f for f in pending if not f.cancel()]
        print(f"stopping: finishing the {len(running)} chunk(s) in progress (Ctrl-C again to stop at once)",
              file=sys.stderr, flush=True)
        try:
            for future in as_completed(running):
                _deliver(future, *pending.pop(future), run, on_result, retry=False)
        except KeyboardInterrupt:
            for pool in pools:
                for process in list((getattr(pool, "_processes", None) or {}).values()):
                    process.terminate()
        raise KeyboardInterrupt from None
    finally:
        for pool in pools:
            pool.shutdown(wait=True, cancel_futures=True)


def _deliver(future, chunk: list[Prepared], tries: int, run: RunSpec, on_result, retry: bool = True) -> list:
    """Hand a finished chunk's results on; returns the submissions to grade again, one by one: those of a
    failed chunk, and (twice at most) a submission whose pool broke, which fails everything queued in it."""
    try:
        results = future.result()
    except Exception as exc:  # noqa: BLE001 - a dead worker fails its chunk, not the batch
        if retry and (len(chunk) > 1 or (tries < 2 and isinstance(exc, BrokenProcessPool))):
            return list(chunk)
        results = [failed_result(p, run, f"the grader failed on this submission: {exc!r}") for p in chunk]
    for result in results:
        on_result(result)
    return []


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))
