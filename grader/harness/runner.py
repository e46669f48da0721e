"""Running an assignment's tests: the run's one frozen :class:`RunSpec`, a worker's :class:`Context`, the session.

A :class:`RunSpec` says what a run grades and how (assignment, device, public tests only, the folders cells
must not see); it is built once by a command and shipped unchanged to every worker. A :class:`Context` is
what one worker holds for it: its slot, its sandbox uid (claimed host-wide), its warm zygotes, the :class:`CellSpec` its
cells ask for, and the reference (loaded only when a test asks). :func:`run_tests` grades a list of prepared
submissions in one pytest session.
"""
from __future__ import annotations

import functools
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from grader import __version__
from grader.assignment import Assignment
from grader.errors import GraderError, UsageError
from grader.harness.fairness import RerunStarved
from grader.harness.outcomes import failed_result
from grader.harness.placement import Placement
from grader.harness.plugin import GradingPlugin
from grader.harness.pytest_session import HarnessFailure, open_session
from grader.harness.session import StudentSandbox
from grader.intake.prepare import Prepared
from grader.sandbox import hostlock
from grader.sandbox.client import ZygotePool
from grader.sandbox.spec import CellSpec

INNER_INI = Path(__file__).with_name("inner_pytest.ini")
UID_BASE = hostlock.UID_BASE
_UNOPENED = "unopened"  # a Context's session before its first run (or after a failed one): the next run opens one


def resolve_device(device: str, assignment: Assignment | None = None) -> str:
    """``auto``: CUDA where there is a GPU, for an assignment that uses torch (one that preloads none runs on the
    CPU, and this process never imports torch for it)."""
    if device == "auto" and assignment is not None and "torch" not in assignment.preload:
        return "cpu"
    if device == "auto":
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise UsageError("--device cuda was asked for, but no CUDA device is available here",
                             hint="use --device cpu (or auto)")
    return device


def hidden_roots(inputs: list[Path], out: Path | None = None) -> tuple[str, ...]:
    """Folders no cell may see, from what the instructor named: each named folder, the folder holding each
    named file or archive, the output folder, and the ``.git`` of each (and of the repository around it).
    Never from a student's path: a named path that is itself a link is not followed (a shell glob such as
    ``cohort/*`` names student links), so only the folder holding it is hidden, never the link's target."""
    roots = {os.path.realpath(out)} if out is not None else set()
    for path in inputs:
        path = Path(os.path.abspath(path))
        real_dir = os.path.isdir(path) and not os.path.islink(path)
        roots.add(os.path.realpath(path) if real_dir else os.path.realpath(path.parent))
    for root in list(roots):
        for folder in (Path(root), *Path(root).parents):  # a cohort inside a repository: its history too
            if os.path.lexists(folder / ".git"):
                roots.update(_git_dirs(folder / ".git"))
                break
    return tuple(sorted(roots))


def _git_dirs(git: Path) -> set[str]:
    """A repository's ``.git`` folder; for a worktree (``.git`` is a file), the main repository's ``.git``.
    Only folders named ``.git`` are ever returned, whatever the file says."""
    if git.is_dir() and not git.is_symlink():
        return {os.path.realpath(git)}
    try:
        line = git.read_text(errors="replace").split("\n", 1)[0] if git.is_file() and not git.is_symlink() else ""
    except OSError:
        return set()
    target = Path(os.path.realpath(git.parent / line.removeprefix("gitdir:").strip())) if line.startswith("gitdir:") \
        else None
    common = target.parent.parent if target is not None and target.parent.name == "worktrees" else None
    return {str(common)} if common is not None and common.name == ".git" and common.is_dir() else set()


@dataclass(frozen=True)
class RunSpec:
    """What one run grades and how: built once, the same in every worker."""

    assignment: Assignment
    device: str = "cpu"
    public_only: bool = False
    hidden: tuple[str, ...] = ()  # folders cells must not see (inputs, outputs), from :func:`hidden_roots`
    workers: int = 1

    @functools.cached_property
    def suite_hash(self) -> str:
        return self.assignment.suite_hash(self.public_only)

    @property
    def version(self) -> str:
        return __version__

    def cell_spec(self, uid: int) -> CellSpec:
        """What every cell of a worker whose sandbox uid is ``uid`` asks its zygote for."""
        hide = {str(self.assignment.root.resolve()), "/root", "/home", *self.hidden}
        expose = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
        expose |= {os.path.realpath(p) for p in sys.path if "-packages" in p and os.path.isdir(p)}
        return CellSpec(device=self.device, privileged=os.environ.get("GRADER_UNPRIVILEGED") != "1",
                        uid=uid, hide=tuple(sorted(hide)), expose=tuple(sorted(expose)),
                        preload=self.assignment.preload)


@dataclass
class Context:
    """What one worker holds for a run: its slot, zygotes, cell spec and (on demand) the reference."""

    run: RunSpec
    slot: int = 0
    zygotes: ZygotePool = None  # type: ignore[assignment] - made in __post_init__, with the assignment's preload
    _reference: object = None
    _session: object = _UNOPENED  # a GradingSession; None where pytest cannot be driven step by step
    placement: Placement | None = None  # claimed when this process first grades (see :meth:`place`)

    def __post_init__(self):
        if self.zygotes is None:
            self.zygotes = ZygotePool(self.run.assignment.preload)

    def place(self) -> Placement:
        """This worker's cores (:mod:`grader.harness.placement`), claimed when it first grades: never in a main
        process that hands the grading to workers (they are spawned with its cores, and claim their own)."""
        if self.placement is None:
            self.placement = Placement.claim()
            self.zygotes.place(self.placement.background)
        return self.placement

    @property
    def assignment(self) -> Assignment:
        return self.run.assignment

    @functools.cached_property
    def spec(self) -> CellSpec:
        """The uid is this process's, claimed host-wide (:func:`hostlock.claim_uid`): never a neighbour's."""
        return self.run.cell_spec(hostlock.claim_uid() if os.geteuid() == 0 else UID_BASE)

    @functools.cached_property
    def spec_beside(self) -> CellSpec:
        """For every other submission of a list: one loads ahead while the one before it runs, never as its uid."""
        return self.run.cell_spec(hostlock.claim_uid(nth=1)) if os.geteuid() == 0 else self.spec

    def sandbox_for(self, prep: Prepared, turn: int = 0) -> StudentSandbox:
        """``turn``: the submission's place in its list (odd ones get :attr:`spec_beside`)."""
        self.zygotes.start(*self.assignment.hash_seeds)
        return StudentSandbox(prep.extraction, prep.unusable, self.zygotes, self.spec_beside if turn % 2 else self.spec,
                              self.assignment.call_timeout, self.place())

    def probe_protections(self) -> tuple[str, ...]:
        """The protections a cell of this context gets here (one cell is started and killed)."""
        cell = self.zygotes(0).cell(self.spec)
        try:
            return cell.protections
        finally:
            cell.kill()

    def grading_session(self):
        """This worker's pytest session, collected on first use (None: run ``pytest.main`` per list)."""
        if self._session is _UNOPENED:
            plugin = GradingPlugin([], self, None, SLOTS)
            self._session = open_session(_pytest_args(self), [plugin, RerunStarved(plugin)], plugin, SLOTS)
        return self._session

    def drop_session(self) -> None:
        if self._session not in (None, _UNOPENED):
            self._session.close()
        self._session = _UNOPENED

    def reference(self):
        if self._reference is None:
            self._reference = self.assignment.load_reference()
        return self._reference

    def close(self) -> None:
        self.drop_session()
        self.zygotes.close()
        if self.placement is not None:
            self.placement.release()
            self.placement = None


def import_test_side(assignment: Assignment) -> None:
    """What a grading process imports before its first test: torch, single-threaded (its cells use the other
    cores), where the assignment uses it; nothing for one that preloads none (BPE)."""
    if "torch" in assignment.preload:
        import torch

        torch.set_num_threads(1)


def worker_context(run: RunSpec, slot: int) -> Context:
    """A worker's context, warming up: its zygotes start importing what cells need while it imports the test side."""
    context = Context(run, slot)
    context.zygotes.start(*run.assignment.hash_seeds)
    import_test_side(run.assignment)
    return context


_PYTEST_ARGS = ["--noconftest", "--import-mode=importlib", "--capture=no"] + [
    arg for plugin in ("cacheprovider", "terminal", "timeout", "randomly", "xdist", "junitxml", "doctest", "pastebin",
                       "logging", "stepwise", "faulthandler", "unraisableexception", "threadexception")
    for arg in ("-p", f"no:{plugin}")]


SLOTS = 8  # submissions one persistent session grades at a time (the local executor's largest chunk)


def _pytest_args(context: Context) -> list[str]:
    args = [str(d) for d in context.assignment.test_dirs(context.run.public_only)]
    return args + ["-c", str(INNER_INI), "--rootdir", str(context.assignment.root), *_PYTEST_ARGS]


def run_tests(prepared: list[Prepared], context: Context, on_result) -> None:
    """Grade ``prepared``; ``on_result`` gets each SubmissionResult as it completes.

    The worker's one :class:`~grader.harness.pytest_session.GradingSession` grades them ``SLOTS`` at a time
    (``pytest.main`` per list where it cannot be used). If the harness fails on a submission, the submissions
    of the list not yet delivered are graded again one by one, so only the one it fails on alone is a
    grader_error."""
    if not prepared:
        return
    context.place()
    delivered: set[str] = set()

    def deliver(result) -> None:
        on_result(result)
        delivered.add(result.submission_id)

    failure = ""
    try:
        grading = context.grading_session()
        if grading is None:
            failure = _run_main(prepared, context, deliver)
        else:
            for start in range(0, len(prepared), grading.slots):
                grading.run(prepared[start:start + grading.slots], deliver)
    except HarnessFailure as exc:
        failure = str(exc)
        context.drop_session()
    except KeyboardInterrupt:
        context.drop_session()  # the interrupted session is closed: a later run opens a new one
        raise
    rest = [p for p in prepared if p.submission_id not in delivered]
    if not rest:
        return
    if len(prepared) > 1:
        for prep in rest:
            run_tests([prep], context, on_result)
        return
    on_result(failed_result(rest[0], context.run, "The grader failed while grading this submission ("
                            f"{failure or 'it stopped before the result'}); the instructor should look at it."))


def _run_main(prepared: list[Prepared], context: Context, deliver) -> str:
    """One ``pytest.main`` over ``prepared``: what it failed with ("" if nothing)."""
    plugin = GradingPlugin(prepared, context, deliver)
    failure = ""
    try:
        code = pytest.main(_pytest_args(context), plugins=[plugin, RerunStarved(plugin)])
    except (GraderError, KeyboardInterrupt):
        raise
    except Exception as exc:  # noqa: BLE001 - the harness failed: the caller regrades one by one
        code, failure = pytest.ExitCode.INTERNAL_ERROR, repr(exc)[:500]
    finally:
        plugin.stop()
    if code == pytest.ExitCode.INTERRUPTED:
        raise KeyboardInterrupt
    if plugin.collect_errors:
        raise GraderError(f"the tests of {context.assignment.name} could not be collected:\n"
                          + plugin.collect_errors[0][-2000:], hint="fix the test files (an instructor error)")
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED, pytest.ExitCode.INTERNAL_ERROR):
        raise GraderError(f"pytest stopped with {code!r} while grading {context.assignment.name}")
    return failure or (getattr(code, "name", str(code)) if code == pytest.ExitCode.INTERNAL_ERROR else "")
