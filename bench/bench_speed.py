"""Every speed figure of issue 14 in one run, with every sandbox layer on, side by side with execute-the-notebook.

Prints: cold start (one submission, torch import included, to its first result); a BPE cohort with all tests
on 1 and 2 workers (throughput over the whole wall time, per-submission median and p90); the public tests only
against the nbclient baseline (a fresh kernel per notebook, what nbgrader and Otter do) measured in the same
run; the grader's main-process memory over a long batch; and Dask's LocalCluster against the local pool on the
same cohort, with the per-task overhead. The harness overhead per submission (everything but the student's
own compute) is printed here for three BPE samples (one worker, warm), by bench/bench_sandbox.py, and split by
phase by bench/bench_profile.py.
Run: .venv/bin/python bench/bench_speed.py [--n 300] [--long 1000] [--dask 2000] [--baseline 8]
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_batch import ROOT, baseline, grade, make_cohort  # noqa: E402
from bench_sandbox import pct  # noqa: E402


def cold_start(folder: Path, assignment: str = "bpe", sample: str = "alice_regex.ipynb") -> float:
    """A fresh ``grader grade`` of one submission, all tests, from the command to its exit."""
    one = folder / f"one-{assignment}"
    one.mkdir()
    (one / sample).write_bytes((ROOT / "submissions" / assignment / sample).read_bytes())
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "grader", "grade", str(one), "--assignment", assignment, "--out",
                    str(folder / f"one-{assignment}-out"), "--workers", "1", "--regrade"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def line(label: str, r: dict) -> str:
    d = sorted(r["durations"])
    return (f"  {label}: {r['n'] / r['wall']:6.2f} submissions/s over the whole wall time ({r['wall']:.1f} s, start-up "
            f"included), {r['steady']:.2f}/s once warm; per submission median {statistics.median(d) * 1000:.0f} ms, "
            f"p90 {pct(d, 0.9) * 1000:.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--long", type=int, default=1000, help="submissions for the memory run (public tests)")
    parser.add_argument("--dask", type=int, default=0, help="submissions for Dask vs local (0: skip)")
    parser.add_argument("--baseline", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        print(f"cold start, one submission, all tests, command to exit (target <= 3 s): BPE {cold_start(tmp):.2f} s "
              f"(its zygotes preload nothing); mha {cold_start(tmp, 'mha', 'ana_course_globals.ipynb'):.2f} s "
              "(torch imported by the grader and its zygote)")
        distinct = tmp / "distinct"
        distinct.mkdir()
        make_cohort(distinct, 16, "bpe")
        first = grade(distinct, tmp / "distinct-out", 1, "bpe")
        print(f"bpe, the 16 distinct sample submissions, each seen for the first time (no remembered replay): "
              f"per submission mean {statistics.mean(first['durations']) * 1000:.0f} ms, median "
              f"{statistics.median(first['durations']) * 1000:.0f} ms, max {max(first['durations']) * 1000:.0f} ms")
        cohort = tmp / "cohort"
        cohort.mkdir()
        paths = make_cohort(cohort, args.n, "bpe")
        print(f"bpe, {args.n} submissions (the sample cohort repeated, the infinite loop left out), all tests:")
        one = grade(cohort, tmp / "w1", 1, "bpe")
        print(line("1 worker ", one))
        two = grade(cohort, tmp / "w2", 2, "bpe")
        print(line("2 workers", two) + "   (target >= 20/s over the wall time)")
        from bench_profile import SAMPLES, profile  # in this process: one worker, warm, every layer on

        overheads = [(s.split("_")[0], profile("bpe", s, 32, quiet=True)[1]) for s in SAMPLES["bpe"]]
        print("  harness overhead per submission, 1 worker, warm (all but the student's compute; target <= 15 ms): "
              + ", ".join(f"{who} {ms:.1f} ms" for who, ms in overheads) + "  (bench_profile.py splits it by phase)")
        public = grade(cohort, tmp / "pub", 1, "bpe", public_only=True)
        print(line("public tests only, 1 worker", public))
        if args.baseline:
            sample = [p for p in paths if p.suffix == ".ipynb" and not any(
                k in p.name for k in ("erin", "peggy", "oscar"))][:args.baseline]
            times = baseline(sample)
            base = statistics.median(times)
            ours = public["wall"] / public["n"]
            print(f"  execute-the-notebook baseline (nbclient, a fresh kernel per notebook, {len(times)} notebooks, "
                  f"same run): median {base * 1000:.0f} ms per submission")
            print(f"  side by side, same checks (public tests, 1 worker, over the wall time): grader "
                  f"{base / ours:.1f}x faster (target >= 50x)")
        if args.long:
            long = tmp / "long"
            long.mkdir()
            make_cohort(long, args.long, "bpe")
            r = grade(long, tmp / "long-out", 2, "bpe", public_only=True)
            print(f"memory, {args.long} submissions (public tests, 2 workers): grader main process RSS while grading, "
                  f"first quarter max {r['rss_first']:.0f} MiB, last quarter max {r['rss_last']:.0f} MiB "
                  f"({r['rss_last'] - r['rss_first']:+.0f} MiB; target < +50); peak {r['rss_peak']:.0f} MiB "
                  "(the exports at the end import pandas)")
        if args.dask:
            dask_cohort = tmp / "dask"
            dask_cohort.mkdir()
            make_cohort(dask_cohort, args.dask, "bpe")
            from distributed import LocalCluster

            local = grade(dask_cohort, tmp / "dl", 2, "bpe", public_only=True)
            with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
                dask = grade(dask_cohort, tmp / "dd", 2, "bpe", public_only=True,
                             extra=("--executor", "dask", "--scheduler", cluster.scheduler_address))
            print(f"dask vs local, {args.dask} submissions (public tests, 2 workers each):")
            print(line("local pool  ", local))
            print(line("dask cluster", dask))
            print(f"  per-task overhead of dask: {(dask['wall'] - local['wall']) / args.dask * 1000:.1f} ms")


if __name__ == "__main__":
    main()
