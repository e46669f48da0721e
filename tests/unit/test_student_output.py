"""What a student reads: each reason once, the sandbox in one line; GitHub annotations within GitHub's limits."""
from grader.student import ci, student_view
from grader.results.records import FAILED, PASSED, SubmissionResult, TestResult

FULL = ("clean-env", "hide", "mountns", "netns", "pidns", "rlimit-as", "rlimit-cpu", "uid")


def _test(name, outcome=FAILED, message="Expected 1, got 2."):
    return TestResult(name=name, description="", visibility="public", points=0.0 if outcome != PASSED else 1.0,
                      max_points=1.0, outcome=outcome, message=message if outcome != PASSED else "")


def _result(tests, status="graded", message="", protections=FULL):
    return SubmissionResult("s", "bpe", "hw.ipynb", "h", "x", status, sum(t.points for t in tests),
                            float(len(tests)), message, tuple(tests), protections)


def test_an_invalid_notebook_says_why_once():
    why = "hw.ipynb is not a valid Jupyter notebook: broken JSON at line 33, column 5"
    r = _result([_test(f"test_{i}", message=why) for i in range(19)], "invalid", why, ())
    text = student_view.summary(r)
    assert text.count("broken JSON") == 1 and "none of the 19 public tests could run" in text


def test_the_same_failure_points_back():
    r = _result([_test("test_a", message="boom"), _test("test_b", message="boom"), _test("test_c", PASSED)])
    text = student_view.summary(r)
    assert text.count("boom") == 1 and "(the same reason as test_a)" in text


def test_protections_in_one_line_and_details_when_verbose():
    brief = student_view.summary(_result([_test("t", PASSED)], protections=("netns", "userns", "rlimit-as")))
    assert "sandbox: partial (fine for a self-check): no network, memory limit  (details: --verbose)" in brief
    verbose = student_view.summary(_result([_test("t", PASSED)], protections=("netns",)), verbose=True)
    assert "missing here: pidns, mountns, uid" in verbose and "not applied pidns" in verbose


def test_github_annotations_stay_within_ten_per_type():
    r = _result([_test(f"test_{i:02}", message=f"wrong {i}\nline two") for i in range(25)])
    lines = ci.annotations(r, "hw.ipynb")
    errors = [line for line in lines if line.startswith("::error ")]
    assert len(errors) == 10 and "16 more: test_09, test_10" in errors[-1]
    assert sum(line.startswith("::notice ") for line in lines) == 1
    assert "%0A" in errors[0]


def test_markdown_summary_lists_every_test_and_escapes_student_text():
    r = _result([_test("test_a", message="<script>x</script> | pipe"), _test("test_b", PASSED)])
    md = ci.markdown(r, "hw.ipynb")
    assert "| ❌ | `test_a` |" in md and "| ✅ | `test_b` |" in md and "<script>" not in md.split("<details>")[0]
