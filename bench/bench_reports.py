"""Report sizes and render times: the class dashboard of a large cohort, and a student page that floods output.

Targets (issue 12): a student page under 500 KB even for a submission that floods output; the dashboard of a
1,000-submission cohort under 2 MB and rendered in under 5 s. Results are synthetic but shaped like the BPE
cohort (19 tests, a third of them failing with hints, capped output).
Run: .venv/bin/python bench/bench_reports.py [--n 1000]
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader.results import dashboard, report  # noqa: E402
from grader.results.records import FAILED, PASSED, SubmissionResult, TestResult  # noqa: E402

HINTS = ["count pairs weighted by word frequency, merge the most frequent one, repeat",
         "sorted(subwords, key=len, reverse=True)", "every word ends with '_' before merging"]


def cohort(n: int, seed: int = 0) -> list[SubmissionResult]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        tests = []
        for k in range(19):
            ok = rng.random() > 0.3
            msg = "" if ok else f"The vocabulary is wrong.\nExpected: {['ab', 'c'] * 20}\nHint: {rng.choice(HINTS)}"
            tests.append(TestResult(f"test_{k:02d}_some_property", "What this test checks, in a sentence.",
                                    "hidden" if k > 5 else "public", 1.0 if ok else 0.0, 1.0,
                                    PASSED if ok else FAILED, message=msg, output="x" * rng.randint(0, 200)))
        score = sum(t.points for t in tests)
        out.append(SubmissionResult(f"student_{i:04d}", "bpe", f"/in/student_{i:04d}.ipynb", "c" * 64, "s" * 16,
                                    "graded", score, 19.0, tests=tuple(tests), grader_version="bench"))
    return out


def flooded() -> SubmissionResult:
    big = ("spam " * 40 + "\n") * 4000  # far past the cell's cap, as if the cap were missing
    tests = tuple(TestResult(f"test_{k}", "", "public", 0.0, 1.0, FAILED, message="wrong\n" * 50, output=big)
                  for k in range(19))
    return SubmissionResult("flood", "bpe", "/in/flood.ipynb", "c" * 64, "s" * 16, "graded", 0.0, 19.0, tests=tests)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1000)
    args = parser.parse_args()
    results = cohort(args.n)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        started = time.perf_counter()
        dashboard.write(out, results, report.env(), lambda a, sid: report.safe_dirname(sid))
        elapsed = time.perf_counter() - started
        size = (out / "bpe" / "index.html").stat().st_size
        print(f"dashboard, {args.n} submissions: {size / 1e6:.2f} MB (target < 2 MB), rendered with its CSV in "
              f"{elapsed:.2f} s (target < 5 s)")
        page = out / "flood.html"
        started = time.perf_counter()
        report.write_submission_report(flooded(), page)
        print(f"student page of a submission that floods output: {page.stat().st_size / 1e3:.0f} KB "
              f"(target < 500 KB), {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
