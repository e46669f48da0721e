"""The quick lane: pytest's run of one test (setup, call, teardown) without a hook dispatch per phase.

pytest runs each phase through three hooks (the phase's own, ``pytest_runtest_makereport``,
``pytest_runtest_logreport``), each fanned out to every plugin that implements one, and builds each report with
all of the item's keywords. That was ~0.3 ms per test, a third of a fast BPE submission's harness overhead.

For an item that needs nothing those hooks add, :func:`run` does what pytest's ``runtestprotocol`` does: the
same :class:`~_pytest.runner.CallInfo` per phase and the session's setup state. It calls the grading plugin's
per-phase work directly: the CPU deadline around the call (:meth:`~grader.harness.plugin.GradingPlugin.calling`)
and what the verdict keeps of each phase. A phase that passed makes no report: the only other reader of reports
in such a session is pytest's own session plugin, which counts failures. A failed check in the call (an
``AssertionError``) gets the grading plugin's brief report. Anything else goes through pytest's own
``pytest_runtest_makereport``, exactly as before: a skip, an xfail, an error in the test or a fixture, and every
phase after a test added a marker while it ran. Every report made goes to ``pytest_runtest_logreport``.

Which items (:func:`eligible`, decided once per item):
- a plain test function, with no markers but ``points``, ``timeout``, ``parametrize`` and ``usefixtures``
  (a skip, skipif, xfail or filterwarnings marker, module-wide too, takes the full protocol);
- whose fixtures are the grading plugin's, the test files' own, parameters, or ``monkeypatch``, ``recwarn``,
  ``pytestconfig`` (``capsys`` or ``tmp_path`` need the capture and tmpdir plugins' phase hooks; through
  ``request``, asked by the test or any fixture, any fixture is reached at run time and markers are added);
- in a session whose per-phase hooks are pytest's own and the grader's only. Any other plugin (one installed
  in the environment, say) sees every phase as before.
Every other item runs through ``runtestprotocol``.

Most tests ask for ``student`` and parameters only: such an item's setup fills those directly (the grading
plugin's :meth:`~grader.harness.plugin.GradingPlugin.student_for` and the parameters' values), not through a
fixture request each, still inside the session's setup state, so the module's and session's fixtures around
it are set up and torn down as pytest does. Another fixture (an autouse one too), and the item's setup is
pytest's. ``PYTEST_CURRENT_TEST`` is set per phase as pytest's runner sets it. Where this pytest lacks any
internal name the lane uses, no item takes it.
"""
from __future__ import annotations

import pytest

try:
    from _pytest.python import Function
    from _pytest.runner import CallInfo, _update_current_test_var, get_reraise_exceptions
    from _pytest.skipping import evaluate_xfail_marks, xfailed_key
except ImportError:  # a pytest this was not written for: every item takes pytest's own protocol
    Function = None

MARKERS = frozenset({"points", "timeout", "parametrize", "usefixtures"})
BUILTIN_FIXTURES = {"monkeypatch": "_pytest.monkeypatch", "recwarn": "_pytest.recwarn",
                    "pytestconfig": "_pytest.fixtures"}  # fixtures none of whose work is in a phase hook
# Not ``request``: through it a test or fixture reaches any fixture by name (``getfixturevalue("tmp_path")``, whose
# teardown reads the reports the lane does not make) and adds markers to the item, its module or its class at run
# time (an xfail(run=False) added in setup is read before the call; a module's marker is no item's own): those
# items take pytest's protocol.
# The per-phase hooks' implementations a session may have for the lane (the grading plugin's besides). What each
# does in a phase the lane does too, or it cannot matter for an eligible item: skip and xfail marks (skipping),
# capture fixtures (capturemanager, with --capture=no), tmp_path's retention (tmpdir), unittest items.
KNOWN_HOOKS = {
    "pytest_runtest_setup": {"runner", "skipping", "capturemanager"},
    "pytest_runtest_call": {"runner", "skipping", "capturemanager"},
    "pytest_runtest_teardown": {"runner", "capturemanager"},
    "pytest_runtest_makereport": {"runner", "skipping", "unittest", "tmpdir"},
    "pytest_runtest_logreport": {"session"},
}
_ELIGIBLE = pytest.StashKey[tuple]()  # (whether the item takes the lane, whether its setup fills it directly)
_SESSION = pytest.StashKey[tuple]()  # (the grading plugin it was decided for, whether the session allows the lane)


def eligible(item, grading) -> bool:
    """Whether ``item`` may run in the quick lane (decided on its first run; an item's tests never change)."""
    return _decide(item, grading)[0]


def _decide(item, grading) -> tuple[bool, bool]:
    known = item.stash.get(_ELIGIBLE, None)
    if known is None:
        known = (False, False)
        if _session_allows(item.config, grading):
            known = _item_allows(item, grading)
        item.stash[_ELIGIBLE] = known
    return known


def _session_allows(config, grading) -> bool:
    cached = config.stash.get(_SESSION, None)
    if cached is None or cached[0] is not grading:
        option = config.option
        allows = (Function is not None and option.capture == "no" and not getattr(option, "usepdb", False)
                  and not option.runxfail and not getattr(option, "setuponly", False)
                  and not getattr(option, "setupshow", False) and not getattr(option, "setupplan", False)
                  and all(impl.plugin is grading or impl.plugin_name in names
                          for hook, names in KNOWN_HOOKS.items()
                          for impl in getattr(config.pluginmanager.hook, hook).get_hookimpls()))
        cached = config.stash[_SESSION] = (grading, allows)
    return cached[1]


def _item_allows(item, grading) -> tuple[bool, bool]:
    """(the lane, a direct fill) for an item of a session that allows the lane."""
    if (type(item) is not Function or not hasattr(item, "_initrequest") or not hasattr(item.session, "_setupstate")
            or not {m.name for m in item.iter_markers()} <= MARKERS):
        return False, False
    defs = item._fixtureinfo.name2fixturedefs
    params = item.callspec.params if hasattr(item, "callspec") else {}
    plain = True
    for name in item.fixturenames:
        fixturedefs = defs.get(name)
        if not fixturedefs:  # `request` has none: it takes pytest's protocol (see BUILTIN_FIXTURES)
            return False, False
        for fixturedef in fixturedefs:
            module = getattr(fixturedef.func, "__module__", None)
            ours = getattr(fixturedef.func, "__self__", None) is grading
            direct = module == "_pytest.python" and fixturedef.func.__name__ == "get_direct_param_fixture_func"
            if not (fixturedef.baseid  # defined in a test file (conftest files are not read)
                    or ours or direct or BUILTIN_FIXTURES.get(name) == module):
                return False, False
        plain = plain and (name == "student" and len(fixturedefs) == 1 and ours
                           or name in params and len(fixturedefs) == 1 and direct)
    return True, plain and "_submission" in params


def run(item, nextitem, grading) -> None:
    """``runtestprotocol(item, log=True, nextitem=nextitem)`` for an :func:`eligible` item."""
    if not item._request:  # run again (every chunk runs the session's items again)
        item._initrequest()
    item.stash[xfailed_key] = None  # what the skipping plugin's setup stores for an item without xfail marks
    markers = len(item.own_markers)
    state = item.session._setupstate
    fill = _decide(item, grading)[1]

    def setup() -> None:
        _update_current_test_var(item, "setup")  # PYTEST_CURRENT_TEST, as pytest's runner sets it per phase
        if fill:
            _filled(item, state, grading)
        else:
            state.setup(item)

    def call() -> None:
        _update_current_test_var(item, "call")
        grading.calling(item.runtest)

    def teardown() -> None:
        _update_current_test_var(item, "teardown")
        state.teardown_exact(nextitem)
        _update_current_test_var(item, None)

    try:
        if _phase(item, "setup", setup, grading, markers):
            _phase(item, "call", call, grading, markers)
        if item.session.shouldfail or item.session.shouldstop:
            nextitem = None
        _phase(item, "teardown", teardown, grading, markers)
    finally:
        item._request = False
        item.funcargs = None


def _filled(item, state, grading) -> None:
    """The session's setup state up to ``item`` (its module's and the session's fixtures as pytest sets them up),
    with the item's own setup filling ``student`` and the parameters directly."""
    def fill() -> None:
        params = item.callspec.params
        item.funcargs.update(params)
        item.funcargs["student"] = grading.student_for(params["_submission"])

    item.setup = fill  # read by the setup state as this item's setup, for this once
    try:
        state.setup(item)
    finally:
        del item.setup


def _phase(item, when: str, fn, grading, markers: int) -> bool:
    """One phase, as ``call_and_report``: whether it passed."""
    call = CallInfo.from_call(fn, when=when, reraise=get_reraise_exceptions(item.config))
    added = len(item.own_markers) != markers
    if added and when == "call":  # as the skipping plugin does after a call: a marker added while it ran counts
        item.stash[xfailed_key] = evaluate_xfail_marks(item)
    if call.excinfo is None and not added:  # a pass: no plugin of this session reads its report but for its duration
        grading.passed(item, call.duration)
        return True
    report = None if added else grading.brief_report(item, call)
    if report is None:
        report = item.ihook.pytest_runtest_makereport(item=item, call=call)  # the grading plugin records it there
    else:
        grading.record(item, call, report)
    item.ihook.pytest_runtest_logreport(report=report)
    return report.passed
