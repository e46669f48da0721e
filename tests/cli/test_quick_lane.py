"""The quick lane (pytest's phases without a hook dispatch each) grades exactly as pytest's own protocol does.

One toy suite holds every kind of test an instructor may write: passes, failed checks, errors in the test, in a
fixture's setup and teardown, pytest.skip/fail/xfail called inside, markers added while it runs (an xfail that
fails and one that passes), parametrized tests, and tests the lane must leave to pytest (skip/xfail markers,
capsys, tmp_path). Graded with and without the lane, every verdict, point and message is the same, and the
lane ran exactly the tests it may.
"""
import pytest

from grader.harness import quick

from conftest import grade_in_process, toy_assignment

TESTS = '''
import pytest

@pytest.fixture
def broken_setup():
    raise RuntimeError("the fixture broke")

@pytest.fixture
def broken_teardown():
    yield 1
    raise RuntimeError("the teardown broke")

_EVENTS = []

@pytest.fixture(scope="module")
def table():
    _EVENTS.append("up")
    yield {"x": 3}
    _EVENTS.append("down")

@pytest.mark.points(2)
def test_pass(student, table):
    """passes"""
    assert student.f(table["x"]) == 4

def test_check_fails(student):
    assert student.f(1) == 3, "f(1) should be 3"

def test_error_in_the_test(student):
    student.f(1)
    1 / 0

def test_fixture_setup_error(student, broken_setup):
    assert student.f(1) == 2

def test_fixture_teardown_error(student, broken_teardown):
    assert student.f(1) == 2

def test_skip_inside(student):
    pytest.skip("not today")

def test_fail_inside(student):
    pytest.fail("told to fail")

def test_xfail_inside(student):
    pytest.xfail("known to fail")

def test_runtime_xfail_fails(student, request):
    request.applymarker(pytest.mark.xfail(reason="applied at run time"))
    assert student.f(1) == 0

def test_runtime_xfail_passes(student, request):
    request.applymarker(pytest.mark.xfail(reason="applied at run time", strict=True))
    assert student.f(1) == 2

@pytest.mark.parametrize("x", [1, 2, 3])
def test_parametrized(student, x, monkeypatch):
    monkeypatch.setenv("TOY", "1")
    assert student.f(x) == x + 1

@pytest.mark.parametrize("y", [0, 5])
def test_plain_parametrized(student, y):
    assert student.f(y) == y + 1

@pytest.mark.skipif(True, reason="a skipif marker")
def test_skipif_marker(student):
    assert False

@pytest.mark.xfail(reason="an xfail marker")
def test_xfail_marker(student):
    assert student.f(1) == 0

def test_capsys(student, capsys):
    print("hello")
    assert capsys.readouterr().out == "hello\\n"
    assert student.f(1) == 2

def test_module_fixture_set_up_once(student, table):
    assert _EVENTS.count("up") == _EVENTS.count("down") + 1, _EVENTS

def test_tmp_path(student, tmp_path):
    (tmp_path / "a").write_text("x")
    assert student.f(1) == 2
'''
# Tests the lane leaves to pytest: a skip or xfail marker, capsys, tmp_path, request (markers added at run time).
FULL = {"test_skipif_marker", "test_xfail_marker", "test_capsys", "test_tmp_path", "test_runtime_xfail_fails",
        "test_runtime_xfail_passes"}
# Tests whose setup is pytest's (a fixture besides `student` and parameters): every other lane test is filled directly.
FIXTURES = {"test_pass", "test_fixture_setup_error", "test_fixture_teardown_error", "test_parametrized",
            "test_module_fixture_set_up_once"}
SUBS = {"right": "def f(x):\n    return x + 1\n",
        "wrong": "def f(x):\n    return x\n",
        "raises": "def f(x):\n    raise ValueError('no')\n"}


def _verdicts(results):
    """Everything a result says; of an instructor's traceback (a test's own error), its last line and the test
    file's frames (the frames of pytest's machinery above the test differ: the lane has fewer of them)."""
    return [(r.submission_id, r.status, r.score, r.max_score, r.message,
             [(t.name, t.outcome, t.points, t.max_points, t.message, t.description, t.visibility, t.output,
               _traceback(t.detail)) for t in r.tests]) for r in results]


def _traceback(detail: str):
    lines = detail.splitlines()
    return lines[-1:], [line for line in lines if "test_lane.py" in line]


def test_the_quick_lane_grades_as_pytests_protocol(tmp_path, monkeypatch):
    a, preps = toy_assignment(tmp_path, "lane", 'symbols = ["f"]\ncall_timeout = 5\npreload = []\n', TESTS, SUBS)
    ran, filled = [], []
    real_run, real_filled = quick.run, quick._filled
    monkeypatch.setattr(quick, "run", lambda item, nextitem, grading: (ran.append(item.originalname),
                                                                        real_run(item, nextitem, grading)))
    monkeypatch.setattr(quick, "_filled", lambda item, state, grading: (filled.append(item.originalname),
                                                                         real_filled(item, state, grading)))
    lane = grade_in_process(preps * 2, a)  # two chunks' worth of items run again: nothing of a run leaks
    assert set(ran) and not set(ran) & FULL
    assert set(ran) | FULL == {t.name.split("[")[0] for t in lane[0].tests}
    assert set(filled) == set(ran) - FIXTURES
    monkeypatch.setattr(quick, "eligible", lambda item, grading: False)
    ran.clear()
    protocol = grade_in_process(preps * 2, a)
    assert not ran
    assert _verdicts(lane) == _verdicts(protocol)
    right = {t.name: t for t in lane[0].tests}
    assert right["test_module_fixture_set_up_once"].outcome == "passed"
    assert right["test_pass"].points == 2 and right["test_parametrized[2]"].outcome == "passed"
    assert right["test_runtime_xfail_passes"].outcome != "passed"  # strict: an xpass fails
    assert right["test_skip_inside"].outcome == "skipped" and "not today" in right["test_skip_inside"].message
    assert right["test_fixture_setup_error"].outcome == "error"
    assert "RuntimeError: the teardown broke" in right["test_fixture_teardown_error"].detail
    wrong = {t.name: t for t in lane[1].tests}
    assert wrong["test_check_fails"].outcome == "failed" and "should be 3" in wrong["test_check_fails"].message


@pytest.mark.parametrize("hook", ["pytest_runtest_setup", "pytest_runtest_makereport", "pytest_runtest_logreport"])
def test_another_plugins_phase_hook_turns_the_lane_off(tmp_path, hook):
    """A plugin the grader does not know (one installed in the environment) sees every phase, as before."""
    a, preps = toy_assignment(tmp_path, "lane", 'symbols = ["f"]\ncall_timeout = 5\npreload = []\n', TESTS, SUBS)
    seen = []

    class Other:
        pass

    setattr(Other, hook, lambda self, **kw: seen.append(hook) and None)
    from grader.harness import runner

    context = runner.Context(runner.RunSpec(a, public_only=True))
    try:
        session = context.grading_session()
        session.config.pluginmanager.register(Other(), "other")
        out = []
        runner.run_tests(preps[:1], context, out.append)
        assert not any(quick.eligible(item, session.plugin) for item in session.items)
    finally:
        context.close()
    assert hook in seen and [t.outcome for t in out[0].tests][:2] == ["passed", "failed"]
