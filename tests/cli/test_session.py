"""One pytest session per worker: chunk after chunk in the same session grades exactly as fresh sessions do."""
import pytest

from grader import assignment
from grader.harness import runner
from grader.intake.prepare import prepare

from conftest import ROOT, toy_assignment

SAMPLES = ROOT / "submissions" / "bpe"
MIXED = ["alice_regex.ipynb", "ken_naive_replace.ipynb", "peggy_corrupt.ipynb", "ivan_off_by_one.ipynb",
         "bob_incremental.ipynb", "oscar_wrong_name.ipynb"]


def _summary(result):
    return (result.status, result.score, [(t.name, t.outcome, t.points, t.message) for t in result.tests])


def _grade(preps, context):
    out = []
    runner.run_tests(preps, context, out.append)
    return out


def test_chunks_in_one_session_grade_as_fresh_sessions():
    a = assignment.load("bpe")
    run = runner.RunSpec(a, public_only=False)
    preps = [prepare(SAMPLES / name, a) for name in MIXED]
    fresh = {}
    for prep in preps[:4]:
        context = runner.Context(run)
        try:
            fresh[prep.submission_id] = _summary(_grade([prep], context)[0])
        finally:
            context.close()
    context = runner.Context(run)
    try:
        first = _grade(preps[:3], context)
        session = context.grading_session()
        again = _grade([preps[3], preps[0], preps[1]], context)  # slots now hold other submissions
        assert context.grading_session() is session  # collected once, fed twice
        assert not session.plugin.boxes and not session.plugin.tests  # nothing of a chunk outlives it
    finally:
        context.close()
    for result in first + again:
        assert _summary(result) == fresh[result.submission_id], result.submission_id
    assert [r.submission_id for r in first + again] == [p.submission_id for p in preps[:3]] + [
        preps[3].submission_id, preps[0].submission_id, preps[1].submission_id]
    # per-test durations are this run's, not summed over the runs of the same pytest item
    assert all(t.duration < 10 for r in again for t in r.tests)


@pytest.mark.parametrize("body, told", [
    ("    global build_bpe\n    build_bpe = 42\n", ("'int' object is not callable", "is an int")),
    ("    del globals()['build_bpe']\n", ("NameError: name 'build_bpe' is not defined",)),
])
def test_a_function_that_rebinds_or_deletes_its_own_name_is_told_so(tmp_path, body, told):
    """The lookup of ``build_bpe`` is remembered per cell; code that rebinds or deletes the name afterwards fails
    its tests with what the name now is (never a KeyError of the cell's namespace, never a grader error)."""
    sub = tmp_path / "rebinds.py"
    sub.write_text("def build_bpe(corpus, max_vocab_size):\n" + body
                   + "    return ['<pad>', '<unk>', '<cls>', '<sep>', '<msk>']\n")
    a = assignment.load("bpe")
    context = runner.Context(runner.RunSpec(a, public_only=True))
    try:
        (result,) = _grade([prepare(sub, a)], context)
    finally:
        context.close()
    assert result.status == "graded"
    assert {t.outcome for t in result.tests} <= {"passed", "failed"}
    assert any(any(text in t.message for text in told) for t in result.tests)
    assert not any("KeyError" in t.message for t in result.tests)


def _toy(tmp_path, name: str, test_text: str, **subs: str):
    """A one-symbol assignment ``name`` with ``test_text`` as its tests, and ``subs`` prepared, by name."""
    a, preps = toy_assignment(tmp_path, name, 'symbols = ["f"]\ncall_timeout = 5\npreload = []\n', test_text, subs)
    return a, dict(zip(subs, preps))


def test_a_marker_a_test_added_for_one_submission_is_not_the_next_ones(tmp_path):
    """``request.applymarker`` (here an xfail granted to one student's legacy answer) is for that run only: the
    next submission in the same slot is graded by the test as written."""
    a, preps = _toy(tmp_path, "toy_marker", "import pytest\n\n\ndef test_f(student, request):\n    value = student.f()\n"
                              "    if value == 'legacy':\n"
                              "        request.applymarker(pytest.mark.xfail(reason='legacy answer tolerated'))\n"
                              "    assert value == 1\n",
                    legacy="def f():\n    return 'legacy'\n", wrong="def f():\n    return 2\n")
    context = runner.Context(runner.RunSpec(a, public_only=True))
    try:
        (legacy,) = _grade([preps["legacy"]], context)
        (wrong,) = _grade([preps["wrong"]], context)  # slot 0 again, same pytest item
    finally:
        context.close()
    assert [t.outcome for t in legacy.tests] == ["skipped"]
    assert [t.outcome for t in wrong.tests] == ["failed"] and (wrong.score, wrong.max_score) == (0.0, 1.0)


def test_after_an_interrupted_chunk_the_next_chunk_is_graded_in_a_new_session(tmp_path):
    """A KeyboardInterrupt closes the session it stopped; a later run on the same context must not use it."""
    a, preps = _toy(tmp_path, "toy_interrupt", "def test_f(student):\n    value = student.f()\n    if value == 'stop':\n"
                              "        raise KeyboardInterrupt\n    assert value == 1\n",
                    stop="def f():\n    return 'stop'\n", good="def f():\n    return 1\n")
    context = runner.Context(runner.RunSpec(a, public_only=True))
    try:
        with pytest.raises(KeyboardInterrupt):
            _grade([preps["stop"]], context)
        (good,) = _grade([preps["good"]], context)
    finally:
        context.close()
    assert (good.status, good.score, good.max_score) == ("graded", 1.0, 1.0), good.tests


def test_a_test_without_student_grades_nobody(tmp_path):
    """A test that does not use ``student`` (a check of the reference, say) is not run per submission: it was
    counted as the chunk's last submission's, which then got a bogus extra result before its real one."""
    a, preps = _toy(tmp_path, "toy_nostudent", "def test_f(student):\n    assert student.f() == 1\n\n\n"
                                                "def test_helper():\n    assert True\n",
                    one="def f():\n    return 1\n", two="def f():\n    return 2\n")
    context = runner.Context(runner.RunSpec(a, public_only=True))
    try:
        results = _grade([preps["one"], preps["two"]], context)
    finally:
        context.close()
    assert [(r.submission_id, r.score, r.max_score) for r in results] == [("one", 1.0, 1.0), ("two", 0.0, 1.0)]
    assert all([t.name for t in r.tests] == ["test_f"] for r in results)


def test_a_bpe_notebook_that_imports_torch_gets_it_preloaded_and_its_neighbours_are_unchanged(tmp_path):
    """BPE preloads nothing; a submission importing torch makes its zygote import it (once, allowlisted), and
    is graded like any other, as are the submissions after it, from the same zygotes."""
    source = (ROOT / "reference" / "bpe" / "alternatives").glob("*.py")
    honest = sorted(source)[0].read_text()
    (tmp_path / "a_plain.py").write_text(honest)
    uses_torch = honest.replace("def build_bpe(", "def _build_bpe(") + (
        "\n\nimport torch\n\n\ndef build_bpe(corpus, max_vocab_size):\n"
        "    assert torch.tensor([2]).item() == 2\n    return _build_bpe(corpus, max_vocab_size)\n")
    (tmp_path / "b_torch.py").write_text(uses_torch)  # (an unused `import torch` is not even extracted)
    (tmp_path / "c_plain.py").write_text(honest)
    a = assignment.load("bpe")
    context = runner.Context(runner.RunSpec(a, public_only=True))
    try:
        results = _grade([prepare(p, a) for p in sorted(tmp_path.glob("*.py"))], context)
        spec = context.sandbox_for(prepare(tmp_path / "b_torch.py", a)).spec
    finally:
        context.close()
    assert a.preload == () and spec.preload == ("torch",)
    assert [(r.submission_id, r.score, r.max_score) for r in results] == [
        ("a_plain", 7.0, 7.0), ("b_torch", 7.0, 7.0), ("c_plain", 7.0, 7.0)]
    assert len({r.protections for r in results}) == 1  # the same layers, torch or not
