"""A worker is pinned to its core with the cell it calls (harness/placement.py); the other graders on the host run
their zygotes, and the cells those fork, on "the other cores": its core. A neighbour's cell there takes half of it.

A correct submission whose call needs 95% of its limit in CPU time passes alone. Graded by a worker while a
neighbouring grader's cell spins a thread on "the other cores" (where that grader's zygotes run), the pinned
cell gets half a core and cannot move to the idle one: the wall-clock guard (1.5 x limit + 1 s) stops it and the
host is not overloaded (2 runnable tasks on 2 cores), so it fails as the student's timeout. Its rerun "alone"
does not help either: alone() waits only for other graders' calls, not for their cells' threads.
With pinning off in both graders (GRADER_PIN=0) the same scenario passes: the scheduler moves the cell to the idle
core. Fixed: a wall-guard stop is starved when the cell's main thread waited for a CPU a quarter of the call
(its run-queue delay), and the rerun runs its cells on every core (sandbox/budget.py, harness/session.py).
"""
import os
import subprocess
import sys
import textwrap

import pytest

from grader.harness import placement, runner
from grader.sandbox import hostlock

from conftest import ROOT, toy_assignment

CORES = frozenset(os.sched_getaffinity(0))
pytestmark = pytest.mark.skipif(len(CORES) != 2, reason="the scenario is written for a two-core host (as CI's)")

LIMIT = 6  # seconds per call: the wall guard is 10 s
TESTS = '''
import sys

def test_work(student):
    print("CALL", flush=True)  # (the neighbour's grader tells the test it is calling)
    assert student.work() == "done"

def test_work_again(student):
    assert student.work() == "done"
'''
VICTIM = f'''
def work():
    import time
    t = time.process_time()
    while time.process_time() - t < {0.95 * LIMIT}:
        pass
    return "done"
'''
HOSTILE = '''
def work():
    import os, threading, time
    mine = os.sched_getaffinity(0)

    def spin():
        try:
            os.sched_setaffinity(0, {c for c in range(64) if c not in mine} or mine)
        except OSError:
            pass
        while True:
            pass

    if not globals().get("spinning"):
        globals()["spinning"] = True
        threading.Thread(target=spin, daemon=True).start()
    time.sleep(9)
    return "done"
'''
NEIGHBOUR = '''
import sys
from pathlib import Path
from grader import assignment
from grader.harness import runner
from grader.intake.prepare import prepare

a = assignment.load("toy_cores", Path(sys.argv[1]))
context = runner.Context(runner.RunSpec(a, public_only=True))
out = []
try:
    runner.run_tests([prepare(Path(sys.argv[1]) / "hostile.py", a)], context, out.append)
finally:
    context.close()
'''


def test_a_neighbours_cell_never_starves_a_pinned_cell(tmp_path, monkeypatch):
    monkeypatch.setattr(placement, "ENABLED", True)
    monkeypatch.setattr(hostlock, "LOCK_DIR", str(tmp_path / "locks"))
    a, preps = toy_assignment(tmp_path, "toy_cores", f'symbols = ["work"]\ncall_timeout = {LIMIT}\npreload = []\n',
                              TESTS, {"victim": VICTIM, "hostile": HOSTILE})
    context = runner.Context(runner.RunSpec(a, public_only=True))
    neighbour = None
    try:
        context.place()  # this worker's core, claimed first; the neighbour's zygotes run on it
        context.zygotes.start(0)
        env = dict(os.environ, GRADER_LOCK_DIR=str(tmp_path / "locks"), PYTHONPATH=str(ROOT), GRADER_PIN="1")
        neighbour = subprocess.Popen([sys.executable, "-c", textwrap.dedent(NEIGHBOUR), str(tmp_path)], env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=str(ROOT),
                                     preexec_fn=lambda: os.sched_setaffinity(0, CORES))  # a grader of its own, not
        # started on this pinned process's one core (children inherit it)
        assert neighbour.stdout.readline().strip() == "CALL"
        out = []
        runner.run_tests(preps[:1], context, out.append)
    finally:
        context.close()
        if neighbour is not None:
            neighbour.kill()
            neighbour.wait()
    assert [(t.outcome, t.message) for t in out[0].tests] == [("passed", "")] * 2
