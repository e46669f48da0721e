"""Loading ahead must not change how a load or a fresh cell is timed (red-team review of the prefetch commit).

A load sent ahead runs while the previous submission is graded. Alone, a load that spends more CPU time than a
call may, or sleeps past the wall-clock guard, times out; loaded ahead behind a slow neighbour it had finished
by the time its first test read the reply, and passed. And a fresh cell made ready ahead kept the limit of the
moment it was made, not the `timeout` marker of the test that asks for it.
"""
from conftest import grade_in_process, toy_assignment

TESTS = '''
import pytest


def test_f(student):
    assert student.f() == 1


@pytest.mark.timeout(4)
def test_fresh_cell_has_the_tests_limit(student):
    assert student._grader_fresh(hash_seed=1).slow() == 1
'''
SLOW = ("\n\ndef slow():\n    import time\n    t = time.process_time()\n    while time.process_time() - t < 1.5:\n"
        "        pass\n    return 1\n")  # 1.5 s of CPU: within the marker's 4 s, not the assignment's 1 s
SPIN = "[0 for _ in iter(lambda: __import__('time').process_time() < 1.6, False)]"  # 1.6 s of CPU at load
SUBS = {  # top-level statements are never run: what runs at load is what a definition evaluates
    "a_slow": "def f():\n    __import__('time').sleep(2.4)\n    return 1\n" + SLOW,
    "b_cpu_at_load": f"def f(x={SPIN}):\n    return 1\n" + SLOW,
    "c_slow": "def f():\n    __import__('time').sleep(2.4)\n    return 1\n" + SLOW,
    "d_sleeps_at_load": "def f(x=__import__('time').sleep(3.2)):\n    return 1\n" + SLOW,  # guard: 1.5 * 1 + 1 s
    "e_good": "def f():\n    return 1\n" + SLOW,
}


def _summary(result):
    return (result.status, result.score, [(t.name, t.outcome, t.message, t.output) for t in result.tests])


def test_a_load_or_fresh_cell_made_ready_ahead_is_timed_as_alone(tmp_path):
    a, preps = toy_assignment(tmp_path, "toy_prefetch_timing", 'symbols = ["f", "slow"]\ncall_timeout = 1\n'
                              'preload = []\nhash_seeds = [0, 1]\n', TESTS, SUBS)
    alone = {p.submission_id: _summary(grade_in_process([p], a)[0]) for p in preps}
    together = grade_in_process(preps, a)

    assert [r.submission_id for r in together] == list(SUBS)
    for result in together:
        assert _summary(result) == alone[result.submission_id], result.submission_id
    by_id = {r.submission_id: r for r in together}
    assert by_id["a_slow"].score == by_id["e_good"].score == 2  # e's seed-1 cell was made ready ahead
    for late in ("b_cpu_at_load", "d_sleeps_at_load"):  # past 1 s per call at load; within the marker's 4 s
        assert [t.outcome for t in by_id[late].tests] == ["failed", "passed"], by_id[late].tests
        assert "loading your code: the code did not finish in time" in by_id[late].tests[0].message
