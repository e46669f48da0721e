"""The pytest plugin that grades: fixtures ``student``, ``reference``, ``device``; markers ``points``, ``timeout``.

One pytest session grades a list of prepared submissions: every test that asks for ``student`` is
parametrized over them, items run grouped by submission, and when a submission's last test finishes
its :class:`~grader.results.SubmissionResult` is handed to ``on_result`` at once (so a batch commits as
it goes). Outcomes are classified here: a student's wrong answer, exception or dead cell is ``failed``
with a message for the student; an exception in the test itself is ``error``, with details for the
instructor (:mod:`grader.harness.outcomes` decides which).

Each test's own work in this process (decoding replies, comparing them) has a deadline in CPU seconds
(``COMPARE_CPU_SECONDS``, a ``SIGPROF`` timer in the main thread): past it the test fails as the student's.
It never fires inside the sandbox client, so a channel is never left half-read. Every hook here is total:
what a cell printed, however much and whenever, is read without raising.
"""
from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections import Counter
from dataclasses import replace

import pytest

from grader.harness import notes, outcomes
from grader.harness.proxy import StudentProxy
from grader.results.records import SKIPPED, SubmissionResult, TestResult

COMPARE_CPU_SECONDS = 20.0  # the parent's CPU time for one test's own work; waiting for the cell is free
_CLIENT = "/grader/sandbox/"  # the sandbox client (cell, wire, budget, hostlock): never left half-way


def _deadline(signum, frame) -> None:
    """SIGPROF: the test's parent-side work ran past its deadline. Deferred while the sandbox client runs."""
    f = frame
    while f is not None:
        if _CLIENT in f.f_code.co_filename.replace("\\", "/"):
            signal.setitimer(signal.ITIMER_PROF, 0.05)
            return
        f = f.f_back
    raise outcomes.ComparisonTimeout(
        f"Checking what your code returned took the grader more than {COMPARE_CPU_SECONDS:g} s of CPU time, so "
        "this test failed (is the returned value far larger than it should be?).")


@contextlib.contextmanager
def cpu_deadline():
    """Around a test's call phase: its work in this process has ``COMPARE_CPU_SECONDS`` of CPU (main thread only)."""
    armed = threading.current_thread() is threading.main_thread()
    if armed:
        previous = signal.signal(signal.SIGPROF, _deadline)
        signal.setitimer(signal.ITIMER_PROF, COMPARE_CPU_SECONDS)
    try:
        yield
    finally:
        if armed:
            signal.setitimer(signal.ITIMER_PROF, 0)
            signal.signal(signal.SIGPROF, previous)


class GradingPlugin:
    """Grades the submissions bound to its slots: ``prepared`` for one ``pytest.main``, or chunk after chunk
    (:meth:`start`) in a :class:`~grader.harness.pytest_session.GradingSession` collected once over ``slots``."""

    def __init__(self, prepared: list, context, on_result, slots: int | None = None):
        self.prepared, self.context, self.on_result = prepared, context, on_result
        self.slots = len(prepared) if slots is None else slots
        self.boxes: dict[int, object] = {}
        self.tests: dict[int, list[TestResult]] = {}
        self.remaining: Counter = Counter()
        self.planned: Counter = Counter()  # tests per submission of the chunk
        self.started: dict[int, float] = {}
        self.failures: dict[str, tuple] = {}
        self.collect_errors: list[str] = []
        self.fresh_seeds: set[int] = set()  # hash seeds the tests asked fresh cells of: prefetched from then on
        self.timeout = 10.0  # the running test's limit per call (its `timeout` marker, else the assignment's)

    def pytest_configure(self, config):
        # Verdicts come from the exception; pytest's traceback is for the instructor, only when a test itself
        # errs. "native" formats it without re-parsing the test file per failure (the default "long" did: a third
        # of a BPE batch's time went into source statement ranges of failing tests).
        config.option.tbstyle = "native"
        config.addinivalue_line("markers", "points(n): points the test is worth (default 1)")
        config.addinivalue_line("markers", "timeout(s): wall-clock limit for each call into student code")

    def pytest_generate_tests(self, metafunc):
        if "student" in metafunc.fixturenames:
            metafunc.parametrize("_submission", range(self.slots), ids=[f"slot{i}" for i in range(self.slots)])

    def start(self, prepared: list, on_result, items: list) -> list:
        """Bind a chunk to the first ``len(prepared)`` slots; returns the items to run for it, in order."""
        self.prepared, self.on_result = prepared, on_result
        todo = [item for item in items if _index(item) < len(prepared)]
        self.remaining = Counter(_index(item) for item in todo)
        self.planned = Counter(self.remaining)
        return todo

    def stop(self) -> None:
        """After a chunk (finished or not): no cell outlives it, no state leaks into the next."""
        for box in self.boxes.values():
            box.close()
        self.boxes.clear()
        self.tests.clear()
        self.started.clear()
        self.failures.clear()

    def pytest_collectreport(self, report):
        if report.failed:
            self.collect_errors.append(report.longreprtext)

    def pytest_collection_modifyitems(self, session, config, items):
        ungraded = [item for item in items if _index(item) < 0]  # no `student`: it grades nobody (it was counted
        if ungraded:                                             # as the last submission's test)
            items[:] = [item for item in items if _index(item) >= 0]
            config.hook.pytest_deselected(items=ungraded)
        items.sort(key=_index)
        self.remaining = Counter(_index(item) for item in items)
        self.planned = Counter(self.remaining)

    @pytest.fixture
    def _submission(self):
        pytest.fail("a test must use the `student` fixture")

    @pytest.fixture
    def student(self, _submission):
        return self.student_for(_submission)

    def student_for(self, _submission: int) -> StudentProxy:
        """The ``student`` of the submission in slot ``_submission`` (its sandbox made on its first test)."""
        box = self.boxes.get(_submission)
        if box is None:
            box = self.boxes[_submission] = self.context.sandbox_for(self.prepared[_submission], _submission)
        if _submission not in self.started:
            self.started[_submission] = time.perf_counter()
            if self.planned[_submission] < 2:  # no half-way point: the next one loads beside its only test
                self._prefetch(_submission + 1)
        box.timeout = self.timeout
        return StudentProxy(box)

    def _prefetch(self, index: int) -> None:
        """The next submission's cells fork and load while this one's tests run (on another core): its first
        test finds its code loaded. Its duration still starts with its first test. Sent once half of this one's
        tests have run: not at its start, where the last one's cells are still being torn down and this one's
        first calls run (all of that at once on two cores slowed this submission more than the load saved)."""
        if index < len(self.prepared) and index not in self.boxes and self.remaining[index] > 0:
            box = self.boxes[index] = self.context.sandbox_for(self.prepared[index], index)  # not the uid of index-1
            box.prefetch(tuple(sorted(self.fresh_seeds)))

    def hold_back(self, index: int) -> None:
        """Before submission ``index``'s test reruns alone (:mod:`grader.harness.fairness`): what this worker sent
        ahead stops (the next submission's cell, fresh cells made ready), so none of its code runs beside the
        rerun; each is forked and loaded again when a test first uses it."""
        for other in [i for i in self.boxes if i != index and i not in self.started]:
            self.boxes.pop(other).close()
        if index in self.boxes:
            self.boxes[index].drop_spares()

    @pytest.fixture(scope="session")
    def reference(self):
        return self.context.reference()

    @pytest.fixture(scope="session")
    def device(self):
        return self.context.run.device

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item):
        with cpu_deadline():
            yield

    def calling(self, run):
        """``run()`` (a test's call phase) under the parent-side CPU deadline: the quick lane's call."""
        with cpu_deadline():
            return run()

    @pytest.hookimpl(tryfirst=True, specname="pytest_runtest_makereport")
    def pytest_runtest_makereport_brief(self, item, call):
        """A student's failure (a failed check, an exception or a dead cell) is reported without pytest's traceback:
        its verdict comes from the exception alone, and formatting ~25 frames per failure was most of the cost of
        a failing test. Anything else (a test's own error, a skip) gets pytest's report, traceback included."""
        return self.brief_report(item, call)

    def brief_report(self, item, call):
        """The report of a failed check in a call without pytest's traceback or the item's keywords (read by no
        plugin of the grader's session); None for anything else."""
        excinfo = call.excinfo
        if excinfo is None or call.when != "call" or not isinstance(excinfo.value, AssertionError):
            return None
        return pytest.TestReport(item.nodeid, item.location, {}, "failed", _BRIEF, call.when, duration=call.duration,
                                 start=call.start, stop=call.stop)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        self.record(item, call, outcome.get_result())

    def passed(self, item, duration: float) -> None:
        """What :meth:`record` keeps of a phase that passed (the quick lane makes no report of it)."""
        item.stash[_DURATION].append(duration)

    def record(self, item, call, report) -> None:
        """What the verdict needs of a phase's report: its failure (the first), its duration, a skip's reason."""
        if report.failed and item.nodeid not in self.failures:
            self.failures[item.nodeid] = (call.excinfo, lambda: report.longreprtext, report.when)
        item.stash[_DURATION].append(report.duration)
        if report.skipped:
            item.stash[_SKIPPED] = str(report.longrepr[-1]) if isinstance(report.longrepr, tuple) else "skipped"

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item, nextitem):
        marker = item.get_closest_marker("timeout")  # read here, not through `request` (a fixture per test)
        self.timeout = float(marker.args[0]) if marker else self.context.assignment.call_timeout
        item.stash[_DURATION] = []  # an item runs once per chunk: nothing of its previous run counts
        if _SKIPPED in item.stash:
            del item.stash[_SKIPPED]
        # markers a test added while it ran (request.applymarker: an xfail, points) were for that submission only
        item.own_markers[:] = item.stash.setdefault(_MARKERS, list(item.own_markers))
        with notes.collecting() as noted:
            yield
        index = _index(item)
        box = self.boxes.get(index)
        self.tests.setdefault(index, []).append(replace(self._result(item, box), notes=tuple(noted)))
        self.remaining[index] -= 1
        if self.remaining[index] == 0:
            self._finish(index)
        elif index in self.started and 2 * self.remaining[index] <= self.planned[index]:
            self._prefetch(index + 1)

    def _result(self, item, box) -> TestResult:
        marker = item.get_closest_marker("points")
        max_points = float(marker.args[0]) if marker else 1.0
        named = item.stash.get(_NAMED, None)
        if named is None:  # what never changes between runs of an item: worked out once
            doc = (item.function.__doc__ or "").strip().split("\n")[0]
            visibility = "public" if self.context.assignment.public_tests in item.path.parents else "hidden"
            named = item.stash[_NAMED] = (_test_name(item), doc, visibility)
        name, doc, visibility = named
        output = _output(box)
        base = dict(name=name, description=doc, visibility=visibility, max_points=max_points,
                    output=output, duration=round(sum(item.stash.get(_DURATION, [])), 4))
        if _SKIPPED in item.stash:
            return TestResult(points=0.0, outcome=SKIPPED, message=item.stash[_SKIPPED], **base)
        failure = self.failures.pop(item.nodeid, None)
        if failure is None:
            return TestResult(points=max_points, outcome=outcomes.PASSED, **base)
        excinfo, longrepr, when = failure
        hidden = visibility == "hidden"
        v = outcomes.verdict(excinfo.value if excinfo is not None else None, when, longrepr, hidden)
        if v.outcome == outcomes.PASSED:  # a failure report without an exception: still not a pass
            v = outcomes.verdict(RuntimeError(), when, longrepr, hidden)
        return TestResult(points=0.0, outcome=v.outcome, message=v.message, detail=v.detail, pictures=v.pictures,
                          **base)

    def _finish(self, index: int) -> None:
        prep = self.prepared[index]
        box = self.boxes.pop(index, None)
        tests = tuple(self.tests.pop(index, []))
        if box is not None:
            self.fresh_seeds |= box.seeds_used
            box.close()
        status, message = outcomes.status(prep.unusable, box.load_error if box is not None else "", tests)
        score, max_score = outcomes.score(tests)
        run = self.context.run
        started = self.started.pop(index, time.perf_counter())
        self.on_result(SubmissionResult(
            submission_id=prep.submission_id, assignment=run.assignment.name, path=str(prep.path),
            content_hash=prep.content_hash, suite_hash=run.suite_hash, status=status, score=score,
            max_score=max_score, message=message, tests=tests, protections=box.protections if box is not None else (),
            device=run.device, duration=round(time.perf_counter() - started, 4), grader_version=run.version,
            warnings=prep.warnings))


def _output(box) -> str:
    """What the submission's cell printed during the test; reading it never fails a hook."""
    try:
        return box.output() if box is not None else ""
    except Exception as exc:  # noqa: BLE001 - a report hook must not raise (INTERNAL_ERROR stops the session)
        return f"(the output could not be read: {type(exc).__name__})"


def _test_name(item) -> str:
    params = [str(v) for k, v in getattr(item, "callspec", None).params.items() if k != "_submission"] \
        if getattr(item, "callspec", None) else []
    return f"{item.originalname}[{'-'.join(params)}]" if params else item.originalname


def _index(item) -> int:
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("_submission", -1) if callspec else -1


_BRIEF = "(a failed check: the verdict is read from the exception)"
_DURATION = pytest.StashKey[list]()
_SKIPPED = pytest.StashKey[str]()
_MARKERS = pytest.StashKey[list]()  # an item's markers as collected
_NAMED = pytest.StashKey[tuple]()  # (name, description, visibility) of an item
