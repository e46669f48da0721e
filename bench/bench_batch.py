"""Batch benchmark: throughput at cohort scale, and the execute-the-notebook baseline.

Generates a cohort (default 300 BPE submissions copied from the sample cohort, correct solutions and
buggy ones mixed; the deliberate infinite loop is left out so timeouts do not dominate), grades it with
the CLI using 1 and 2 workers, and prints throughput, per-submission median/p90 and the grader's memory
over the batch. Then it grades a sample the way nbgrader and Otter do — each notebook executed in a
fresh Jupyter kernel with nbclient, the public checks appended as a cell — and prints the ratio.
Run: .venv/bin/python bench/bench_batch.py [--n 300] [--baseline 8]
"""
from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHECKS = '''
corpus = ['low'] * 5 + ['lower'] * 2 + ['newest'] * 6 + ['widest'] * 3
vocab = build_bpe(['abcde'], max_vocab_size=15)
assert vocab[:5] == ['<pad>', '<unk>', '<cls>', '<sep>', '<msk>']
assert sorted(vocab[5:], key=len, reverse=True) == vocab[5:]
v = set(build_bpe(corpus, max_vocab_size=24))
assert {'est_', 'low', 'newest_'} <= v and 'low_' not in v
assert set(build_bpe(['aaaaaaaaaaaa', 'abababab'], max_vocab_size=13)) == {
    '<pad>', '<unk>', '<cls>', '<sep>', '<msk>', 'aaaaaaaa', 'aaaa', 'abab', 'aa', 'ab', 'a', 'b', '_'}
assert len(build_bpe(['abc', 'bcd'], max_vocab_size=10000)) == 15
'''


def make_cohort(folder: Path, n: int, assignment: str) -> list[Path]:
    sources = sorted(p for p in (ROOT / "submissions" / assignment).iterdir() if "infinite" not in p.name)
    paths = []
    for i in range(n):
        src = sources[i % len(sources)]
        dst = folder / f"s{i:04d}_{src.stem}{src.suffix}"
        shutil.copyfile(src, dst)
        paths.append(dst)
    return paths


def rss_sampler(proc: subprocess.Popen, samples: list[tuple[float, int]], stop: threading.Event) -> None:
    """(unix time, VmRSS KiB) of the grader's main process, four times a second."""
    while not stop.is_set() and proc.poll() is None:
        try:
            for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    samples.append((time.time(), int(line.split()[1])))
        except OSError:
            return
        time.sleep(0.25)


def grade(cohort: Path, out: Path, workers: int, assignment: str, public_only: bool = False,
          extra: tuple[str, ...] = ()) -> dict:
    cmd = [sys.executable, "-m", "grader", "grade", str(cohort), "--assignment", assignment, "--out", str(out),
           "--workers", str(workers), "--regrade"] + (["--public-only"] if public_only else []) + list(extra)
    samples: list[tuple[float, int]] = []
    stop = threading.Event()
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    thread = threading.Thread(target=rss_sampler, args=(proc, samples, stop))
    thread.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - started
    stop.set()
    thread.join()
    if proc.returncode:
        raise SystemExit(err)
    db = sqlite3.connect(out / "gradebook.sqlite")
    durations = [d for (d,) in db.execute("SELECT duration FROM results")]
    first, last = db.execute("SELECT MIN(julianday(graded_at)), MAX(julianday(graded_at)) FROM results").fetchone()
    after = db.execute("SELECT COUNT(*) FROM results WHERE julianday(graded_at) > ?", (first,)).fetchone()[0]
    db.close()
    steady = after / max((last - first) * 86400, 1e-9)  # results committed after the first commit, per second
    # Memory over the batch: the samples from the first result's commit to the last's (start-up and the exports
    # written once at the end are not the batch), first quarter against last quarter; and the peak overall.
    t0, t1 = ((jd - 2440587.5) * 86400 for jd in (first, last))
    during = [kb for t, kb in samples if t0 <= t <= t1] or [kb for _, kb in samples]
    q = len(during) // 4 or 1
    return {"wall": wall, "n": len(durations), "durations": durations, "steady": steady,
            "rss_first": max(during[:q] or [0]) / 1024, "rss_last": max(during[-q:] or [0]) / 1024,
            "rss_peak": max((kb for _, kb in samples), default=0) / 1024}


def baseline(paths: list[Path]) -> list[float]:
    import nbformat
    from nbclient import NotebookClient

    times = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        nb.cells.append(nbformat.v4.new_code_cell(CHECKS))
        started = time.perf_counter()
        client = NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=True,
                                resources={"metadata": {"path": tempfile.gettempdir()}})
        client.execute()
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--baseline", type=int, default=8)
    parser.add_argument("--assignment", default="bpe")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cohort = Path(tmp) / "cohort"
        cohort.mkdir()
        paths = make_cohort(cohort, args.n, args.assignment)
        print(f"{args.assignment}: {args.n} submissions (sample cohort repeated, infinite loop left out)")
        per_sub = {}
        for workers in (1, 2):
            r = grade(cohort, Path(tmp) / f"out{workers}", workers, args.assignment)
            per_sub[workers] = r["wall"] / r["n"]
            d = sorted(r["durations"])
            print(f"  {workers} worker(s): {r['n'] / r['wall']:6.2f} submissions/s over the wall time (start-up "
                  f"included, {r['wall']:.1f} s), {r['steady']:.2f}/s once warm (first to last commit); "
                  f"per submission median {statistics.median(d) * 1000:.0f} ms, p90 {d[int(0.9 * (len(d) - 1))] * 1000:.0f} ms")
            print(f"     grader main process RSS: first quarter max {r['rss_first']:.0f} MiB, "
                  f"last quarter max {r['rss_last']:.0f} MiB")
        r = grade(cohort, Path(tmp) / "public", 1, args.assignment, public_only=True)
        per_sub["public"] = r["wall"] / r["n"]
        print(f"  1 worker, public tests only (what the baseline runs): {r['n'] / r['wall']:6.2f} submissions/s, "
              f"per submission median {statistics.median(r['durations']) * 1000:.0f} ms")
        if args.baseline and args.assignment == "bpe":
            sample = [p for p in paths if p.suffix == ".ipynb" and not any(
                k in p.name for k in ("erin", "peggy", "oscar"))][:args.baseline]
            times = baseline(sample)
            median = statistics.median(times)
            print(f"  baseline (nbclient, fresh kernel per notebook, {len(times)} notebooks): "
                  f"median {median * 1000:.0f} ms per submission")
            print(f"  ratio, same checks (public tests, 1 worker): grader {median / per_sub['public']:.1f}x faster")
            print(f"  ratio, all 19 tests vs the baseline's 5 checks: {median / per_sub[1]:.1f}x (1 worker), "
                  f"{median / per_sub[2]:.1f}x (2 workers)")


if __name__ == "__main__":
    main()
