"""Verdicts and statuses are pure functions of what happened: every rule with a case it accepts and one it rejects."""
from grader.errors import SubmissionError
from grader.harness.outcomes import (ERROR, FAILED, GRADER_ERROR_MESSAGE, PASSED, SKIPPED, StudentError, Verdict,
                                     score, status, verdict)
from grader.results.records import TestResult as Result


def test_a_bare_assert_is_shown_once():
    v = verdict(AssertionError("assert [1] == [2]"), "call", "")
    assert v == Verdict(FAILED, "The check failed: assert [1] == [2]", "assert [1] == [2]")
    assert "assert assert" not in v.detail


def test_a_feedback_message_keeps_pytests_introspection_for_the_instructor():
    v = verdict(AssertionError("Expected 3 tokens\nassert 2 == 3"), "call", "")
    assert v == Verdict(FAILED, "Expected 3 tokens", "assert 2 == 3")


def test_student_errors_fail_and_test_errors_are_the_graders():
    assert verdict(StudentError("ZeroDivisionError: in build_bpe, cell 3, line 2"), "call", "").outcome == FAILED
    v = verdict(KeyError("typo"), "call", "Traceback ... KeyError: 'typo'")
    assert v == Verdict(ERROR, GRADER_ERROR_MESSAGE, "Traceback ... KeyError: 'typo'")
    assert verdict(AssertionError("in a fixture"), "setup", "trace").outcome == ERROR
    assert verdict(None, "call", "").outcome == PASSED


def _t(outcome, points, max_points=2.0):
    return Result("t", "", "public", points, max_points, outcome)


def test_a_skipped_test_is_not_a_lost_point():
    assert score((_t(PASSED, 2.0), _t(SKIPPED, 0.0), _t(FAILED, 0.0))) == (2.0, 4.0)


def test_status_says_why_a_submission_was_not_graded():
    assert status(SubmissionError("invalid", "not a notebook"), "", ()) == ("invalid", "not a notebook")
    assert status(None, "NameError at load", (_t(FAILED, 0),)) == ("load_error", "NameError at load")
    assert status(None, "", (_t(ERROR, 0),))[0] == "grader_error"
    assert status(None, "", (_t(FAILED, 0), _t(PASSED, 2))) == ("graded", "")


def test_notes_are_collected_per_test_and_ignored_outside_one():
    from grader.harness import notes
    from grader.testing import note

    note("outside any test: dropped")
    with notes.collecting() as first:
        note("weights loaded by structure: w_O as w_0")
        note("weights loaded by structure: w_O as w_0")  # said once
    with notes.collecting() as second:
        pass
    assert first == ["weights loaded by structure: w_O as w_0"] and second == []
