"""Running an assignment's tests over submissions: preparation, the run context, the pytest session.

:func:`prepare` reads and extracts a submission in the parent (no student code runs); a failure there is
a status on the result, never an exception. :class:`Context` holds what one worker needs for a run:
the assignment, the device, its warm zygotes, the protections to request, and the reference (loaded
only when a test asks). :func:`run_tests` grades a list of prepared submissions in one pytest session.
"""
from __future__ import annotations

import functools
import hashlib
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from grader import __version__, notebook
from grader.assignment import Assignment
from grader.errors import EXIT_USAGE, GraderError, SubmissionError
from grader.extract import Extraction
from grader.plugin import GradingPlugin
from grader.proxy import StudentSandbox
from grader.sandbox import Zygote

INNER_INI = Path(__file__).with_name("_inner_pytest.ini")


@dataclass(frozen=True)
class Prepared:
    submission_id: str
    path: Path
    content_hash: str
    extraction: Extraction | None
    unusable: SubmissionError | None = None
    warnings: tuple[str, ...] = ()


def prepare(path: Path, assignment: Assignment, submission_id: str | None = None) -> Prepared:
    sid = submission_id or path.stem
    try:
        sub = notebook.read(path)
    except SubmissionError as exc:
        digest = hashlib.sha256(path.read_bytes() if path.is_file() else b"").hexdigest()
        return Prepared(sid, path, digest, None, exc)
    digest = hashlib.sha256(sub.raw).hexdigest()
    try:
        ex = assignment.extract(notebook.strip_ipython(sub.cells))
    except SubmissionError as exc:
        return Prepared(sid, path, digest, None, exc)
    return Prepared(sid, path, digest, ex, None, ex.warnings)


def resolve_device(device: str) -> str:
    if device == "auto":
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise GraderError("--device cuda was asked for, but no CUDA device is available here",
                              hint="use --device cpu (or auto)", exit_code=EXIT_USAGE)
    return device


class ZygotePool:
    """Warm zygotes of one worker, one per string-hash seed, started on first use."""

    def __init__(self):
        self.zygotes: dict[int, Zygote] = {}

    def __call__(self, hash_seed: int = 0) -> Zygote:
        self.start(hash_seed)
        return self.zygotes[hash_seed]

    def start(self, *seeds: int) -> None:
        """Start zygotes without waiting for them (each imports torch: they overlap)."""
        for seed in seeds:
            if seed not in self.zygotes:
                self.zygotes[seed] = Zygote(seed)

    def close(self) -> None:
        for zygote in self.zygotes.values():
            zygote.close()
        self.zygotes.clear()


@dataclass
class Context:
    assignment: Assignment
    device: str = "cpu"
    public_only: bool = False
    slot: int = 0
    hidden_paths: tuple[str, ...] = ()  # more folders the cell must not see (inputs, outputs)
    memory_bytes: int = 4 << 30
    zygotes: ZygotePool = field(default_factory=ZygotePool)
    _reference: object = None

    @functools.cached_property
    def suite_hash(self) -> str:
        return self.assignment.suite_hash(self.public_only)

    @property
    def version(self) -> str:
        return __version__

    @functools.cached_property
    def protections_wanted(self) -> dict:
        """What every cell of this context asks the zygote for (computed once: it never changes)."""
        masks = {str(self.assignment.root.resolve()), "/root", "/home", *self.hidden_paths}
        expose = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
        expose |= {os.path.realpath(p) for p in sys.path if "-packages" in p and os.path.isdir(p)}
        return {"device": self.device, "privileged": os.environ.get("GRADER_UNPRIVILEGED") != "1",
                "mask": sorted(masks), "expose": sorted(expose), "uid": 61000 + self.slot,
                "memory_bytes": self.memory_bytes, "cpu_seconds": 300, "tmp_bytes": 64 << 20}

    def sandbox_for(self, prep: Prepared) -> StudentSandbox:
        self.zygotes.start(*self.assignment.hash_seeds)
        return StudentSandbox(prep.extraction, prep.unusable, self.zygotes, self.protections_wanted,
                              self.assignment.call_timeout)

    def reference(self):
        if self._reference is None:
            self._reference = self.assignment.load_reference()
        return self._reference

    def close(self) -> None:
        self.zygotes.close()


FULL_SANDBOX = ("netns", "pidns", "mountns", "uid")


def missing_protections(applied, wanted=FULL_SANDBOX) -> list[str]:
    return [p for p in wanted if not any(a == p or a.startswith(p + " ") for a in applied)]


def run_tests(prepared: list[Prepared], context: Context, on_result) -> None:
    """Grade ``prepared`` in one pytest session; ``on_result`` gets each SubmissionResult as it completes."""
    if not prepared:
        return
    plugin = GradingPlugin(prepared, context, on_result)
    args = [str(d) for d in context.assignment.test_dirs(context.public_only)]
    args += ["-c", str(INNER_INI), "--rootdir", str(context.assignment.root), "--noconftest",
             "--import-mode=importlib", "-p", "no:cacheprovider", "-p", "no:terminal", "-p", "no:timeout",
             "-p", "no:randomly", "-p", "no:xdist", "-p", "no:junitxml", "-p", "no:doctest", "-p", "no:pastebin",
             "-p", "no:logging", "-p", "no:stepwise", "-p", "no:faulthandler", "-p", "no:unraisableexception",
             "-p", "no:threadexception", "--capture=no"]
    code = pytest.main(args, plugins=[plugin])
    if code == pytest.ExitCode.INTERRUPTED:
        raise KeyboardInterrupt
    if plugin.collect_errors:
        raise GraderError(f"the tests of {context.assignment.name} could not be collected:\n"
                          + plugin.collect_errors[0][-2000:], hint="fix the test files (an instructor error)")
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        raise GraderError(f"pytest stopped with {code!r} while grading {context.assignment.name}")
