"""Fair timing under load: a test whose call timed out only because the host was overloaded runs again, alone.

A call's budget is the cell's CPU time (:mod:`grader.sandbox.budget`); a call stopped by the wall-clock guard
while the host was overloaded is *starved* (:class:`~grader.sandbox.client.CellDied` says so), and does not
count against the submission yet. :class:`RerunStarved` then runs the whole test once more (a test may make
several calls, and the dead cell's handles are gone), holding :func:`grader.sandbox.hostlock.alone`, so no
other grader's call on this host runs meanwhile. What the rerun gives is the test's result.
"""
from __future__ import annotations

import pytest
from _pytest.runner import runtestprotocol

from grader.harness import quick
from grader.sandbox import hostlock


class RerunStarved:
    """A second pytest plugin beside :class:`~grader.harness.plugin.GradingPlugin`, which records the outcome."""

    def __init__(self, grading):
        self.grading = grading

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item, nextitem):
        from grader.harness import plugin

        item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
        self._protocol(item, nextitem)
        box = self.grading.boxes.get(plugin._index(item))
        if box is not None and getattr(box, "starved", False):
            box.starved = False
            self.grading.failures.pop(item.nodeid, None)  # the first run does not count
            item.stash[plugin._DURATION] = []
            item._initrequest()
            self.grading.hold_back(plugin._index(item))  # nothing of this worker's loads ahead beside the rerun
            with hostlock.alone():
                box.rerunning = True
                try:
                    self._protocol(item, nextitem)
                finally:
                    box.rerunning = False
        item.ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
        return True

    def _protocol(self, item, nextitem) -> None:
        """pytest's run of the item's phases: the quick lane where it may (:mod:`grader.harness.quick`)."""
        if quick.eligible(item, self.grading):
            quick.run(item, nextitem, self.grading)
        else:
            runtestprotocol(item, nextitem=nextitem, log=True)
