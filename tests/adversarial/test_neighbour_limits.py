"""A submission loaded ahead runs beside the one before it: it must not use up that one's per-user limits.

RLIMIT_NPROC counts every process and thread of a uid, whatever the namespaces. The next submission's code,
loaded while this one is graded, started threads until the limit (in a class body: it runs at load), and
this one's code could no longer start a thread: a correct submission lost a test to its neighbour.
"""
import os

import pytest

from conftest import grade_in_process, toy_assignment

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="sandbox uids need root (CI runs as root)")

TESTS = '''
import time


def test_f(student):
    time.sleep(1.0)  # the next submission, loaded ahead, has started its threads meanwhile
    assert student.f() == 1


def test_thread(student):
    assert student.t() == 1
'''
THREAD = ("\n\ndef t():\n    import threading\n    th = threading.Thread(target=lambda: None)\n    th.start()\n"
          "    th.join()\n    return 1\n")
HOG = '''
class Hog:
    import threading, time
    made = 0
    while True:
        try:
            threading.Thread(target=time.sleep, args=(600,), daemon=True).start()
            made += 1
        except RuntimeError:
            break


def f(x=Hog):
    return 1
'''


def test_a_neighbour_loaded_ahead_does_not_use_up_this_ones_process_limit(tmp_path):
    a, preps = toy_assignment(tmp_path, "toy_nproc", 'symbols = ["f", "t"]\ncall_timeout = 5\npreload = []\n', TESTS,
                              {"a_honest": "def f():\n    return 1\n" + THREAD, "b_hog": HOG + THREAD})
    honest, _ = grade_in_process(preps, a)
    assert honest.submission_id == "a_honest"
    assert (honest.score, [t.outcome for t in honest.tests]) == (2.0, ["passed", "passed"]), honest.tests
