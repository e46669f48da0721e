"""Red team: tests an instructor may write whose verdict must not depend on the quick lane.

Each toy test below is graded with the lane and with pytest's own ``runtestprotocol`` (the lane turned off):
every verdict, point and message must be the same, over two chunks (items are run again).
"""
import pytest

from grader.harness import quick

from conftest import grade_in_process, toy_assignment

SUBS = {"right": "def f(x):\n    return x + 1\n", "wrong": "def f(x):\n    return x\n"}

CASES = {
    # kinds that held up (the lane grades them as pytest does): kept as guards
    "classes_and_xunit": """
import pytest

pytestmark = [pytest.mark.points(2)]
_STATE = []

def setup_module():
    _STATE.append("module")

def teardown_function():
    _STATE.append("function down")

@pytest.mark.usefixtures("counted")
class TestGroup:
    def setup_method(self):
        self.x = 1

    def test_method(self, student):
        x = self.x
        assert student.f(x) == 2

    def test_plain_method(self, student):
        assert student.f(0) == 1

@pytest.fixture
def counted():
    _STATE.append("counted")
    yield
    _STATE.append("uncounted")

def test_after_class(student):
    assert _STATE[0] == "module" and student.f(2) == 3
""",
    "warnings_and_base_exceptions": """
import warnings
import pytest

class Stop(BaseException):
    pass

def test_warns(student):
    with pytest.warns(UserWarning):
        warnings.warn("w", UserWarning)
    assert student.f(1) == 2

def test_recwarn(student, recwarn):
    warnings.warn("x", UserWarning)
    assert len(recwarn) == 1 and student.f(1) == 2

def test_base_exception(student):
    if student.f(1) == 2:
        raise Stop()

def test_system_exit(student):
    if student.f(1) != 2:
        raise SystemExit(3)
""",
    "fixtures_overriding_and_indirect": """
import pytest

@pytest.fixture
def student(student):
    return student

@pytest.fixture
def doubled(request):
    return request.param * 2

@pytest.fixture(scope="module")
def breaks_at_module_end():
    yield 1
    raise RuntimeError("module teardown broke")

def test_overridden(student):
    assert student.f(1) == 2

@pytest.mark.parametrize("doubled", [1, 2], indirect=True)
def test_indirect(student, doubled):
    assert student.f(doubled) == doubled + 1

def test_module_teardown(student, breaks_at_module_end):
    assert student.f(breaks_at_module_end) == 2

@pytest.mark.parametrize("x", [1, 2], scope="module")
def test_module_scoped_param(student, x):
    assert student.f(x) == x + 1
""",
    # pytest documents PYTEST_CURRENT_TEST as set during every phase of a test
    "current_test_env": '''
import os

def test_seeded_by_its_name(student):
    name = os.environ["PYTEST_CURRENT_TEST"]
    assert "test_seeded_by_its_name" in name and name.endswith("(call)")
    assert student.f(1) == 2
''',
    # a test that asks pytest for a fixture by name while it runs (tmp_path keeps its folder per the call's result)
    "dynamic_tmp_path": '''
def test_dynamic_tmp_path(student, request):
    path = request.getfixturevalue("tmp_path")
    (path / "a").write_text("x")
    assert student.f(1) == 2
''',
    "dynamic_capsys": '''
def test_dynamic_capsys(student, request):
    capsys = request.getfixturevalue("capsys")
    print("hello")
    assert capsys.readouterr().out == "hello\\n"
    assert student.f(1) == 2
''',
    # a fixture that marks the test as not to be run (xfail run=False), as pytest documents for a known crash
    "setup_xfail_notrun": '''
import pytest

@pytest.fixture
def known_crash(request):
    request.applymarker(pytest.mark.xfail(run=False, reason="crashes the interpreter"))

def test_not_run(student, known_crash):
    assert student.f(1) == 2
''',
    # a module-scoped fixture applies its marker to the module: every test of it is an expected failure
    "module_marker_at_run_time": '''
import pytest

@pytest.fixture(scope="module", autouse=True)
def known_bug(request):
    request.applymarker(pytest.mark.xfail(reason="a known bug in this version", strict=True))

def test_first(student):
    assert student.f(1) == 0

def test_second(student):
    assert student.f(1) == 0
''',
}


def _verdicts(results):
    return [(r.submission_id, r.status, r.score, r.max_score, r.message,
             [(t.name, t.outcome, t.points, t.max_points, t.message, t.detail.splitlines()[-1:]) for t in r.tests])
            for r in results]


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_lane_grades_as_pytests_protocol(tmp_path, monkeypatch, case):
    name = "attack_" + case
    a, preps = toy_assignment(tmp_path, name, 'symbols = ["f"]\ncall_timeout = 5\npreload = []\n', CASES[case], SUBS)
    lane = grade_in_process(preps * 2, a)
    monkeypatch.setattr(quick, "eligible", lambda item, grading: False)
    protocol = grade_in_process(preps * 2, a)
    assert _verdicts(lane) == _verdicts(protocol)
