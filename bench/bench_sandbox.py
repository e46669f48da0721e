"""Sandbox benchmark: cell start, one round trip, and end-to-end grading time per submission.

Prints figures against the targets of issues 4 and 11 (2-core machine): cell start ≤ 30 ms median and p90 with
every layer on, the cost of each layer (as the cell measured it), harness overhead per submission (everything
except the student's own compute) ≤ 100 ms median.
Run: .venv/bin/python bench/bench_sandbox.py [--n 40]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader import assignment  # noqa: E402
from grader.harness import runner  # noqa: E402
from grader.intake.prepare import prepare  # noqa: E402


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def line(label, values, unit="ms", scale=1000.0):
    print(f"  {label:<44} median {statistics.median(values) * scale:8.2f} {unit}   "
          f"p90 {pct(values, 0.9) * scale:8.2f} {unit}   (n={len(values)})")


def bench_cells(n: int) -> None:
    a = assignment.load("bpe", ROOT)
    ctx = runner.Context(runner.RunSpec(a))
    zygote = ctx.zygotes(0)
    t = time.perf_counter()
    zygote.wait_ready()
    print(f"zygote start (interpreter + import torch, once per worker): {time.perf_counter() - t:.2f} s")
    want = ctx.spec
    print("protections:", ", ".join(zygote.cell(want).protections))
    starts, trips = [], []
    for _ in range(n):
        t = time.perf_counter()
        cell = zygote.cell(want)
        starts.append(time.perf_counter() - t)
        cell.request({"op": "load", "source": "def f(x):\n    return x\n"}, [], 5, "load")
        for _ in range(20):
            t = time.perf_counter()
            cell.request({"op": "call", "target": None, "name": "f", "args": [[1, "a"]], "kwargs": {"$dict": []}},
                         [], 5, "f")
            trips.append(time.perf_counter() - t)
        cell.kill()
    raw, layers = [], {}
    for _ in range(n):
        t = time.perf_counter()
        cell = zygote._finish(zygote._request(want))  # no spare: fork, protections, ready, all waited for
        raw.append(time.perf_counter() - t)
        for name, ms in cell.timings.items():
            layers.setdefault(name, []).append(ms / 1000)
        cell.kill()
    print("cost of each layer, measured in the cell (zygote: once per zygote, not per cell):")
    for name, values in layers.items():
        line(f"  {name}", values)
    line("cell start, raw (fork → protections → ready)", raw)
    line("cell start as the harness sees it (spare forked ahead)", starts)
    line("round trip of a small call", trips)
    ctx.close()


def bench_submissions(name: str, paths: list[Path], repeat: int) -> None:
    a = assignment.load(name, ROOT)
    ctx = runner.Context(runner.RunSpec(a))
    preps = [prepare(p, a) for p in paths] * repeat
    runner.run_tests(preps[:1], ctx, lambda r: None)  # warm: zygotes up, modules imported
    totals, overheads = [], []
    student_time = {}

    real_sandbox_for = ctx.sandbox_for

    def sandbox_for(prep, turn=0):
        box = real_sandbox_for(prep, turn)
        real_close = box.close

        def close():
            student_time[prep.submission_id] = student_time.get(prep.submission_id, 0.0) + sum(
                c.cell.student_seconds for c in [box, *box.children] if c.cell is not None)
            real_close()
        box.close = close
        return box

    ctx.sandbox_for = sandbox_for
    for prep in preps:
        student_time.clear()
        t = time.perf_counter()
        runner.run_tests([prep], ctx, lambda r: None)
        total = time.perf_counter() - t
        totals.append(total)
        overheads.append(total - student_time.get(prep.submission_id, 0.0))
    batch_totals, batch_overheads = [], []
    for i in range(0, len(preps), 8):
        chunk = preps[i:i + 8]
        student_time.clear()
        t = time.perf_counter()
        runner.run_tests(chunk, ctx, lambda r: None)
        total = time.perf_counter() - t
        batch_totals.append(total / len(chunk))
        batch_overheads.append((total - sum(student_time.values())) / len(chunk))
    ctx.close()
    print(f"{name}: {len(paths)} submission(s) x {repeat}")
    line("end-to-end, one pytest session per submission", totals)
    line("harness overhead, one session per submission", overheads)
    line("end-to-end per submission, batch (8 a session)", batch_totals)
    line("harness overhead per submission, batch", batch_overheads)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=40)
    args = parser.parse_args()
    bench_cells(args.n)
    samples = ROOT / "submissions"
    for name in sorted(p.name for p in samples.iterdir() if (ROOT / "assignments" / p.name).is_dir()):
        correct = sorted(samples.joinpath(name).glob("[a-e]*"))[:3]
        bench_submissions(name, correct, 5)


if __name__ == "__main__":
    main()
