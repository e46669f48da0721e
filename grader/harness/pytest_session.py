"""One pytest session per worker: configured and collected once, then fed chunk after chunk of submissions.

``pytest.main`` per chunk paid for configuration, plugin registration, collection and assertion rewriting every
time (~20 ms, which was most of a Dask task's overhead). A :class:`GradingSession` does what ``pytest.main``
does (``wrap_session``: configure, session start, collect), once, with the tests parametrized over ``slots``
submission slots; :meth:`GradingSession.run` then binds a chunk of at most ``slots`` submissions to the slots
and runs the items of the slots it fills through ``pytest_runtest_protocol``, as pytest's own run loop does.
Items are run again for every chunk (as pytest-rerunfailures runs an item again): each run gets a fresh
request, and the plugin's per-run state is reset.

The steps use three of pytest's internal names (``_prepareconfig``, ``Config._do_configure``,
``Config._ensure_unconfigure``); where they are missing (a pytest this was not written for) or opening fails
for another reason than the tests themselves, :func:`open_session` returns None and the caller runs
``pytest.main`` per chunk, as before. A session whose run raised is closed and never used again.
"""
from __future__ import annotations

import pytest

from grader.errors import GraderError


class HarnessFailure(Exception):
    """The harness (not a test, not a student) failed while grading a chunk: the session is unusable."""


class GradingSession:
    def __init__(self, args: list[str], plugins: list, plugin, slots: int):
        from _pytest.config import _prepareconfig

        self.plugin, self.slots = plugin, slots
        self.config = _prepareconfig(args, plugins)
        self.session = None
        self.config._do_configure()
        try:
            self.session = pytest.Session.from_config(self.config)
            self.config.hook.pytest_sessionstart(session=self.session)
            self.config.hook.pytest_collection(session=self.session)
        except BaseException:
            self.close()
            raise
        self.items = list(self.session.items)

    def run(self, prepared: list, on_result) -> None:
        """Grade ``prepared`` (at most ``slots``); raises :class:`HarnessFailure` if the harness itself fails."""
        assert len(prepared) <= self.slots
        todo = self.plugin.start(prepared, on_result, self.items)
        try:
            for i, item in enumerate(todo):
                # The last item of a chunk keeps the session's and modules' fixtures for the next chunk; an item
                # is never its own next item (pytest would not tear it down).
                nextitem = todo[i + 1] if i + 1 < len(todo) else (todo[0] if todo[0] is not item else None)
                item.ihook.pytest_runtest_protocol(item=item, nextitem=nextitem)
        except KeyboardInterrupt:
            self.close()
            raise
        except (Exception, pytest.exit.Exception) as exc:  # noqa: BLE001 - a harness bug: the caller regrades
            self.close()
            raise HarnessFailure(repr(exc)[:500]) from exc
        finally:
            self.plugin.stop()

    def close(self) -> None:
        if self.session is not None:
            session, self.session = self.session, None
            try:
                self.config.hook.pytest_sessionfinish(session=session, exitstatus=0)
            except Exception:  # noqa: BLE001 - closing a broken session: nothing left to save
                pass
        self.config._ensure_unconfigure()


def open_session(args: list[str], plugins: list, plugin, slots: int) -> GradingSession | None:
    """A collected session, or None where this pytest cannot be driven step by step (run ``pytest.main``)."""
    name = plugin.context.assignment.name
    try:
        grading = GradingSession(args, plugins, plugin, slots)
    except (ImportError, AttributeError, TypeError):
        return None
    except pytest.UsageError as exc:  # a test folder that is not there: pytest.main said so with USAGE_ERROR
        raise GraderError(f"pytest could not start on the tests of {name}: {exc}",
                          hint="fix the test folders (an instructor error)") from None
    if plugin.collect_errors:
        grading.close()
        raise GraderError(f"the tests of {name} could not be collected:\n" + plugin.collect_errors[0][-2000:],
                          hint="fix the test files (an instructor error)")
    if not grading.items:  # as pytest.main's NO_TESTS_COLLECTED: an instructor error, never a grade
        grading.close()
        raise GraderError(f"pytest stopped with {pytest.ExitCode.NO_TESTS_COLLECTED!r} while grading {name}")
    return grading
