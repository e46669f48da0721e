"""Grading on a Dask distributed cluster: one task per submission, results streamed back.

Each Dask worker keeps one grading context (warm zygotes, a sandbox uid claimed host-wide) in a module global for
as long as it lives, so only the first task on a worker pays for ``import torch``. Results come back to
the machine that runs ``grader grade`` and go into its gradebook as each task finishes.
Every worker needs the grader installed and the assignment folder at the same path (a shared checkout).
"""
from __future__ import annotations

from grader.errors import UsageError
from grader.harness.runner import RunSpec, run_tests, worker_context
from grader.intake.prepare import Prepared
from grader.results.records import SubmissionResult

_CONTEXTS: dict = {}


def _slot() -> int:
    """This worker's slot: the offset of the sandbox uid it holds on this host (a lock, never a name hash)."""
    from grader.sandbox import hostlock

    return hostlock.claim_uid() - hostlock.UID_BASE


def grade_one(prep: Prepared, run: RunSpec) -> SubmissionResult:
    """Runs on a Dask worker."""
    key = (run.assignment, run.device, run.public_only, run.hidden)
    context = _CONTEXTS.get(key)
    if context is None:
        context = _CONTEXTS[key] = worker_context(run, _slot())
    out: list[SubmissionResult] = []
    run_tests([prep], context, out.append)
    return out[0]


def grade(prepared: list[Prepared], run: RunSpec, on_result, scheduler: str | None) -> None:
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise UsageError("--executor dask needs dask.distributed", hint="pip install 'grader[dask]'") from None
    if not scheduler:
        raise UsageError("--executor dask needs --scheduler ADDRESS (e.g. tcp://10.0.0.5:8786)",
                         hint="start one with `dask scheduler`, and workers with `dask worker ADDRESS`")
    try:
        client = Client(scheduler, timeout="20s")
    except (OSError, TimeoutError) as exc:
        raise UsageError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    with client:
        futures = [client.submit(grade_one, prep, run, pure=False, key=f"grade-{i}-{prep.submission_id[:40]}")
                   for i, prep in enumerate(prepared)]
        by_future = dict(zip(futures, prepared))
        for future in as_completed(futures):
            try:
                result = future.result()
            except Exception as exc:  # noqa: BLE001 - a lost task fails its submission, not the batch
                from grader.harness.outcomes import failed_result

                result = failed_result(by_future[future], run, f"the grader failed on this submission: {exc!r}")
            on_result(result)
