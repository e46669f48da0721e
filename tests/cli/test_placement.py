"""Where a worker's processes run (harness/placement.py): the worker and the cell a test calls share one core, the
zygotes (and the cells they fork ahead, loading the next submission) run on the others, two graders on one host
never claim the same core, and a closed context gives its core back."""
import os
import subprocess
import sys

import pytest

from grader.harness import placement, runner
from grader.harness.placement import Placement
from grader.sandbox import hostlock

from conftest import ROOT, toy_assignment

CORES = frozenset(os.sched_getaffinity(0))
needs_two = pytest.mark.skipif(len(CORES) < 2, reason="placement pins only where there are two cores or more")


@pytest.fixture(autouse=True)
def pinning(monkeypatch):
    """Pinning is on in graders, off in the test suite's own process (tests/conftest.py): on for these tests."""
    monkeypatch.setattr(placement, "ENABLED", True)

TESTS = '''
import os

def test_the_cell_runs_on_the_workers_core(student):
    assert student.where() == sorted(os.sched_getaffinity(0)), "the cell is not on the worker's core"
'''
WHERE = "def where():\n    import os\n    return sorted(os.sched_getaffinity(0))\n"


@needs_two
def test_the_worker_and_the_cell_it_calls_share_a_core_and_zygotes_run_elsewhere(tmp_path, monkeypatch):
    monkeypatch.setattr(hostlock, "LOCK_DIR", str(tmp_path / "locks"))
    a, preps = toy_assignment(tmp_path, "toy_placement", 'symbols = ["where"]\ncall_timeout = 5\npreload = []\n',
                              TESTS, {f"s{i}": WHERE for i in range(4)})
    context = runner.Context(runner.RunSpec(a, public_only=True))
    context.zygotes.start(0)  # started before the context grades (as `grade` does while intake runs)
    assert context.placement is None and frozenset(os.sched_getaffinity(0)) == CORES  # nothing pinned yet
    out = []
    try:
        home, background = context.place().home, context.place().background
        assert len(home) == 1 and background == CORES - home
        assert frozenset(os.sched_getaffinity(0)) == home
        runner.run_tests(preps, context, out.append)  # the 2nd to 4th were forked and loaded ahead, on `background`
        assert frozenset(os.sched_getaffinity(context.zygotes(0).proc.pid)) == background
    finally:
        context.close()
    assert [t.outcome for r in out for t in r.tests] == ["passed"] * 4, [t.message for r in out for t in r.tests]
    assert frozenset(os.sched_getaffinity(0)) == CORES  # closed: the process's cores as they were


@needs_two
def test_two_graders_never_claim_the_same_core(tmp_path, monkeypatch):
    monkeypatch.setattr(hostlock, "LOCK_DIR", str(tmp_path / "locks"))
    mine = hostlock.claim_core(CORES)
    try:
        code = ("import os, sys; from grader.sandbox import hostlock; "
                "print(hostlock.claim_core(os.sched_getaffinity(0)), flush=True); sys.stdin.read()")
        env = dict(os.environ, GRADER_LOCK_DIR=str(tmp_path / "locks"), PYTHONPATH=str(ROOT))
        others = [subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   text=True, env=env) for _ in CORES]
        claimed = [p.stdout.readline().strip() for p in others]
        for p in others:
            p.communicate("")
    finally:
        hostlock.release_core()
    held = [int(c) for c in claimed if c != "None"]
    assert mine in CORES and mine not in held and len(set(held)) == len(held) == len(CORES) - 1
    assert claimed.count("None") == 1  # one more grader than free cores: it runs unpinned


@pytest.mark.parametrize("why", ["one core", "GRADER_PIN=0"])
def test_one_core_or_pinning_off_pins_nothing(monkeypatch, why):
    if why == "one core":
        monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0})
    else:
        monkeypatch.setattr(placement, "ENABLED", False)
    monkeypatch.setattr(placement, "_CLAIMED", {})
    assert Placement.claim() == Placement()
    assert frozenset(os.sched_getaffinity(0)) == (CORES if why != "one core" else {0})


REPORT = '''
import os

def test_report(student):
    assert False, f"{os.getpid()} cell {student.where()} worker {sorted(os.sched_getaffinity(0))}"
'''


@needs_two
def test_workers_each_claim_a_core_and_the_main_process_pins_nothing(tmp_path, monkeypatch):
    """The main process hands grading to workers spawned with its cores: were it pinned, all would share one core."""
    from grader.harness import executors

    monkeypatch.setenv("GRADER_LOCK_DIR", str(tmp_path / "locks"))  # the spawned workers read it at import
    monkeypatch.setattr(hostlock, "LOCK_DIR", str(tmp_path / "locks"))
    a, preps = toy_assignment(tmp_path, "toy_workers", 'symbols = ["where"]\ncall_timeout = 5\npreload = []\n',
                              REPORT, {f"s{i}": WHERE for i in range(8)})
    run = runner.RunSpec(a, public_only=True, workers=2)
    context = runner.Context(run)
    context.zygotes.start(0)  # as `grade` does (its protections may be probed): still no claim in this process
    out = []
    try:
        executors.grade(preps, run, out.append, context=context)
    finally:
        context.close()
    seen = [t.message.split("\n")[0].split(" ", 1) for r in out for t in r.tests]  # [worker pid, "cell [c] worker [c]"]
    assert len(seen) == 8 and all(where.startswith("cell [") for _, where in seen), seen
    cores = {}
    for pid, where in seen:
        cell, worker = where.removeprefix("cell ").split(" worker ")
        assert cell == worker and len(worker.split(",")) == 1, where  # pinned to one core, its cells with it
        cores.setdefault(pid, set()).add(worker)
    assert pid != str(os.getpid()) and all(len(c) == 1 for c in cores.values()), cores
    assert len(set.union(*cores.values())) == len(cores), cores  # two workers that both graded: two cores


@needs_two
def test_a_core_is_kept_while_any_context_of_the_process_is_open(tmp_path, monkeypatch):
    """Two contexts in one process share its core: closing the first must not free it under the second."""
    monkeypatch.setattr(hostlock, "LOCK_DIR", str(tmp_path / "locks"))
    monkeypatch.setattr(placement, "_CLAIMED", {})
    first, second = Placement.claim(), Placement.claim()
    assert first is second and first.home
    first.release()
    assert frozenset(os.sched_getaffinity(0)) == first.home
    core = next(iter(first.home))
    assert hostlock.claim_core({core}) == core  # still this process's claim (another process would get None)
    second.release()
    assert frozenset(os.sched_getaffinity(0)) == CORES and os.getpid() not in hostlock._CORES
