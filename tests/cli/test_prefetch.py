"""Loading ahead: the next submission's cells fork and load while this one is graded, and it changes no verdict.

A load that raises, a load that never ends, and the fresh cells a test asks for by hash seed must grade exactly
as they do alone, in a chunk where each was loaded while its neighbour's tests ran.
"""
from grader.harness.session import StudentSandbox
from grader.sandbox import cell as cell_module

from conftest import grade_in_process, toy_assignment

TESTS = '''
import subprocess, sys

SEED_1 = int(subprocess.run([sys.executable, "-c", "print(hash('abc'))"], env={"PYTHONHASHSEED": "1"},
                            capture_output=True, text=True, check=True).stdout)


def test_f(student):
    assert student.f() == 1


def test_fresh_cell_has_its_hash_seed(student):
    assert student._grader_fresh(hash_seed=1).h() == SEED_1 != student.h()
'''
SUBS = {  # (top-level statements are never run: what runs at load is what a definition evaluates)
    "a_good": "def f():\n    return 1\n\n\ndef h():\n    return hash('abc')\n",
    "b_raises": "def f(x=int('boom at load')):\n    return 1\n\n\ndef h():\n    return hash('abc')\n",
    "c_wrong": "def f():\n    return 2\n\n\ndef h():\n    return hash('abc')\n",
    "d_spins": "def f(x=next(i for i in iter(int, 1) if i)):\n    return 1\n\n\ndef h():\n    return hash('abc')\n",
    "e_good": "def f():\n    return 1\n\n\ndef h():\n    return hash('abc')\n",
    "f_good": "def f():\n    return 1\n\n\ndef h():\n    return hash('abc')\n",
}


def _summary(result):
    return (result.status, result.score, [(t.name, t.outcome, t.message) for t in result.tests])


def test_loading_ahead_grades_as_loading_alone(tmp_path, monkeypatch):
    a, preps = toy_assignment(tmp_path, "toy_prefetch", 'symbols = ["f", "h"]\ncall_timeout = 1\npreload = []\n'
                              'hash_seeds = [0, 1]\n', TESTS, SUBS)
    alone = {p.submission_id: _summary(grade_in_process([p], a)[0]) for p in preps}

    ops, spares_used = [], []
    request, fresh = cell_module.Cell.request, StudentSandbox.fresh

    def counting(cell, header, *args):
        ops.append(header.get("op"))
        return request(cell, header, *args)

    def recording(box, hash_seed=0):
        spares_used.append(hash_seed in box.spares)
        return fresh(box, hash_seed)

    monkeypatch.setattr(cell_module.Cell, "request", counting)
    monkeypatch.setattr(StudentSandbox, "fresh", recording)
    together = grade_in_process(preps, a)  # one chunk: each submission loaded during its predecessor's tests

    assert [r.submission_id for r in together] == list(SUBS)
    for result in together:
        assert _summary(result) == alone[result.submission_id], result.submission_id
    by_id = {r.submission_id: r for r in together}
    assert by_id["a_good"].score == 2 and by_id["c_wrong"].score == 1
    assert all("boom at load" in t.message for t in by_id["b_raises"].tests)
    assert all("did not finish in time" in t.message or "ran out of time" in t.message
               for t in by_id["d_spins"].tests), by_id["d_spins"].tests
    # the loads went ahead (never a request of their own), and the names were looked up as they loaded
    assert "load" not in ops and "probe" not in ops
    # from the second good submission on, the seed-1 cell a test asks for was forked and loaded ahead
    assert spares_used[0] is False and spares_used[-2:] == [True, True], spares_used



RERUN_TESTS = '''
def test_f(student):
    assert student.f() == 1
'''


def test_nothing_loaded_ahead_runs_beside_a_test_rerun_alone(tmp_path, monkeypatch):
    """A test starved by an overloaded host reruns holding the host-wide lock alone; this worker's loads sent ahead
    (the next submission's spinning load here) are stopped first, and that submission is graded as alone."""
    from grader.harness.plugin import GradingPlugin
    from grader.sandbox import hostlock

    a, preps = toy_assignment(tmp_path, "toy_rerun", 'symbols = ["f"]\ncall_timeout = 0.5\npreload = []\n',
                              RERUN_TESTS, {"a_naps": "import time\n\n\ndef f():\n    time.sleep(3)\n    return 1\n",
                                            "b_spins": SUBS["d_spins"]})
    alone = _summary(grade_in_process(preps[1:], a)[0])

    plugins, beside = [], []
    start, real_alone = GradingPlugin.start, hostlock.alone

    def recording_start(plugin, *args):
        plugins.append(plugin)
        return start(plugin, *args)

    def checking_alone():
        beside.extend(i for i, box in plugins[-1].boxes.items() if i != 0 and box.cell is not None and box.cell.alive)
        beside.extend(seed for seed in plugins[-1].boxes[0].spares)
        return real_alone()

    monkeypatch.setattr(GradingPlugin, "start", recording_start)
    monkeypatch.setattr(hostlock, "overloaded", lambda: True)  # the nap's timeout counts as starved: a rerun
    monkeypatch.setattr(hostlock, "alone", checking_alone)
    naps, spins = grade_in_process(preps, a)
    assert naps.tests[0].outcome == "failed" and "did not finish in time" in naps.tests[0].message
    assert plugins and not beside  # the rerun ran with nothing of this worker loading beside it
    assert _summary(spins) == alone and spins.score == 0
