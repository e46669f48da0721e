"""Where the time of one submission goes, once warm: fork, load, calls (the student's compute and the rest),
the parent's own work (pytest, comparisons, replays), and what the main process does with each result.

For each assignment it grades a sample submission many times in one worker (one pytest session, cells forked
from warm zygotes, every sandbox layer on) and splits the wall time per submission into:
  cell start     the harness's wait for a forked cell (a spare is forked ahead while the last one is in use)
  load           the wait for the load's reply (compiling and running the student's definitions); the load is sent
                 ahead, while the previous submission's tests run, so this is what is left of it
  calls          every other request, split into the student's own compute (as the cell times it) and the rest
                 (encoding, the channel, the cell's decoding): the round trips
  parent         the grader's CPU in this process: pytest, the tests' comparisons, BPE replays, the plugin
and the per-result cost in the main process: the gradebook commit, results.json and report.html.
Run: .venv/bin/python bench/bench_profile.py [--n 32]
"""
from __future__ import annotations

import argparse
import collections
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from grader import assignment  # noqa: E402
from grader.harness import runner  # noqa: E402
from grader.intake.prepare import prepare  # noqa: E402
from grader.results import outputs  # noqa: E402
from grader.results.gradebook import Gradebook  # noqa: E402
from grader.sandbox import cell as cell_module, client  # noqa: E402

SAMPLES = {"bpe": ("bob_incremental.ipynb", "alice_regex.ipynb", "ken_naive_replace.ipynb"),
           "mha": ("ana_course_globals.ipynb", "ben_explicit_args.ipynb", "scale_d_model.ipynb"),
           "masked_mha": ("ana_course_globals.ipynb", "fill_zero.ipynb"),
           "enc_dec_attention": ("ana_course_globals.ipynb", "keys_from_decoder.ipynb"),
           "transformer_masks": ("ana_bool_masks.ipynb", "padding_inverted.ipynb")}


class Clock:
    """Wall time of cell starts and requests (by op), and the student's own seconds, while installed."""

    def __init__(self):
        self.wall: dict[str, float] = collections.defaultdict(float)
        self.count: dict[str, int] = collections.defaultdict(int)
        self.student = 0.0
        self._request, self._collect = cell_module.Cell.request, cell_module.Cell.collect
        self._cell = client.Zygote.cell

    def __enter__(self):
        clock = self

        def request(cell, *args):
            started, before = time.perf_counter(), cell.student_seconds
            try:
                return clock._request(cell, *args)
            finally:
                clock.wall["calls"] += time.perf_counter() - started
                clock.count["calls"] += 1
                clock.student += cell.student_seconds - before

        def collect(cell, *args):  # a load sent ahead: the wait for its reply
            started = time.perf_counter()
            try:
                return clock._collect(cell, *args)
            finally:
                clock.wall["load"] += time.perf_counter() - started
                clock.count["load"] += 1

        def fork(zygote, spec):
            started = time.perf_counter()
            try:
                return clock._cell(zygote, spec)
            finally:
                clock.wall["cell start"] += time.perf_counter() - started
                clock.count["cell start"] += 1
        cell_module.Cell.request, cell_module.Cell.collect, client.Zygote.cell = request, collect, fork
        return self

    def __exit__(self, *exc):
        cell_module.Cell.request, cell_module.Cell.collect = self._request, self._collect
        client.Zygote.cell = self._cell


def profile(name: str, sample: str, n: int, quiet: bool = False) -> tuple[list, float]:
    """Grade ``sample`` ``n`` times warm; prints the split (unless ``quiet``); returns the results and the harness
    overhead per submission in ms (all but the student's compute)."""
    a = assignment.load(name, ROOT)
    path = ROOT / "submissions" / name / sample
    if not path.exists():
        return [], 0.0
    context = runner.Context(runner.RunSpec(a))
    prep = prepare(path, a)
    results: list = []
    try:
        runner.run_tests([prep] * 4, context, lambda r: None)  # warm: zygotes, session, remembered verdicts
        with Clock() as clock:
            wall, cpu = time.perf_counter(), time.process_time()
            runner.run_tests([prep] * n, context, results.append)
            wall, cpu = (time.perf_counter() - wall) / n, (time.process_time() - cpu) / n
    finally:
        context.close()
    per = {k: v / n for k, v in clock.wall.items()}
    errors = [t for r in results for t in r.tests if t.outcome == "error"]
    if errors:  # the instrumentation broke a test: no figure from this run means anything
        raise SystemExit(f"{name}/{sample}: a test errored while profiled: {errors[0].message[:500]}")
    overhead = (wall - clock.student / n) * 1000
    if quiet:
        return results, overhead
    score = f"{results[0].score:g}/{results[0].max_score:g}"
    print(f"{name}/{sample} ({score}): {wall * 1000:6.1f} ms per submission, of which")
    print(f"    cell start {per.get('cell start', 0) * 1000:5.1f} ms ({clock.count['cell start'] / n:.0f} cells)   "
          f"load {per.get('load', 0) * 1000:5.1f} ms   calls {per.get('calls', 0) * 1000:5.1f} ms "
          f"({clock.count['calls'] / n:.0f} round trips: student's compute {clock.student / n * 1000:.1f} ms, "
          f"the rest {(per.get('calls', 0) - clock.student / n) * 1000:.1f} ms)")
    print(f"    parent CPU (pytest, comparisons, replays, plugin) {cpu * 1000:5.1f} ms; "
          f"harness overhead (all but the student's compute) {overhead:5.1f} ms")
    return results, overhead


def main_process(results: list) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        book = Gradebook(out / "gradebook.sqlite")
        t = time.perf_counter()
        for r in results:
            book.add(r, "x")
        db = (time.perf_counter() - t) / len(results)
        t = time.perf_counter()
        for r in results:
            outputs.write_report_files(out, r)
        files = (time.perf_counter() - t) / len(results)
        book.close()
    print(f"main process, per result: gradebook commit {db * 1000:.2f} ms, results.json + report.html "
          f"{files * 1000:.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=32)
    torch.set_num_threads(1)  # as grade does in each worker
    args = parser.parse_args()
    everything = []
    for name, samples in SAMPLES.items():
        for sample in samples:
            everything += profile(name, sample, args.n)[0]
    main_process(everything)


if __name__ == "__main__":
    main()
