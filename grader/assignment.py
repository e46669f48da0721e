"""Assignments: ``assignments/<name>/assignment.toml`` (public) and ``reference/<name>/`` (instructor-only).

An :class:`Assignment` knows its symbols, its canonical helpers, its public and hidden test folders, and
the hash of its test suite (part of every gradebook key, so a changed test regrades). The reference
solution is imported in the trusted parent only, on demand.
"""
from __future__ import annotations

import hashlib
import tomllib
import types
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from grader.errors import UsageError
from grader.intake import extract, notebook
from grader.sandbox.spec import PRELOADABLE

VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")  # Gradescope's vocabulary
DEFAULT_HIDDEN_VISIBILITY = "after_published"


def project_root() -> Path:
    """The folder that holds ``assignments/``: the current directory if it has one, else the package's checkout."""
    here = Path.cwd()
    for candidate in (here, *here.parents, Path(__file__).resolve().parent.parent):
        if (candidate / "assignments").is_dir():
            return candidate
    return here


@dataclass(frozen=True)
class Assignment:
    name: str
    title: str
    root: Path  # project root
    symbols: tuple[str, ...]
    provided: tuple[str, ...]
    call_timeout: float
    hash_seeds: tuple[int, ...] = (0,)  # string-hash seeds of the zygotes its tests fork cells from
    preload: tuple[str, ...] = ("torch",)  # imported by the zygotes (and the test side) before the first cell
    bundled: bool = False  # a student bundle (``grader release``): ``root`` is the bundle, there is no reference/
    hidden_visibility: str = DEFAULT_HIDDEN_VISIBILITY  # hidden tests in results.json; "visible" also shows pictures

    @property
    def folder(self) -> Path:
        return self.root if self.bundled else self.root / "assignments" / self.name

    @property
    def answers(self) -> Path:
        """The recorded reference answers a bundle's public tests replay (see :mod:`grader.student.replay`)."""
        from grader.student.replay import FILENAME

        return self.folder / FILENAME

    @property
    def template(self) -> Path:
        return self.folder / f"{self.name}.ipynb"

    @property
    def public_tests(self) -> Path:
        return self.folder / "tests"

    @property
    def reference_folder(self) -> Path:
        return self.root / "reference" / self.name

    @property
    def hidden_tests(self) -> Path:
        return self.reference_folder / "tests"

    @property
    def solution(self) -> Path:
        return self.reference_folder / "solution.ipynb"

    def test_dirs(self, public_only: bool) -> list[Path]:
        dirs = [self.public_tests]
        if not public_only:
            if not self.hidden_tests.is_dir():
                raise UsageError(f"the hidden tests of {self.name} are not here ({self.hidden_tests})",
                                 hint="official grading needs reference/; students use `grader check`")
            dirs.append(self.hidden_tests)
        return dirs

    def suite_hash(self, public_only: bool) -> str:
        h = hashlib.sha256()
        for folder in self.test_dirs(public_only):
            for path in sorted(folder.rglob("*.py")):
                h.update(path.relative_to(self.root).as_posix().encode() + b"\0" + path.read_bytes())
        h.update((self.folder / "assignment.toml").read_bytes())
        return h.hexdigest()[:16]

    @cached_property
    def provided_source(self) -> str:
        """Canonical code of the helpers the grader supplies (taken from the public template)."""
        if not self.provided:
            return ""
        cells = notebook.strip_ipython(notebook.read(self.template).cells)
        return extract.extract(cells, self.provided).source  # the helpers and what they need (their imports)

    def extract(self, cells) -> extract.Extraction:
        return extract.extract(cells, self.symbols, self.provided_source, frozenset(self.provided))

    def load_reference(self):
        """The solution, imported in the parent (trusted code), never sent to a cell; in a student bundle,
        a replayer of the answers recorded at release."""
        if not self.solution.is_file() and self.answers.is_file():
            from grader.student import replay

            return replay.replayer(replay.Tape.load(self.answers))
        sub = notebook.read(self.solution)
        ex = extract.extract(notebook.strip_ipython(sub.cells), self.symbols)
        module = types.ModuleType(f"reference_{self.name}")
        exec(compile(ex.source, str(self.solution), "exec", dont_inherit=True), module.__dict__)
        return module


def load(name: str, root: Path | None = None) -> Assignment:
    root = root or project_root()
    path = root / "assignments" / name / "assignment.toml"
    bundle = find_bundle(root)
    if not path.is_file() and bundle is not None and bundle[1] == name:
        return _read(bundle[0] / "assignment.toml", name, bundle[0], bundled=True)
    if not path.is_file():
        known = sorted(p.parent.name for p in (root / "assignments").glob("*/assignment.toml"))
        raise UsageError(f"unknown assignment {name!r}", hint=f"known assignments: {', '.join(known) or 'none'} "
                         f"(looked in {root / 'assignments'})")
    return _read(path, name, root)


def _read(path: Path, name: str, root: Path, bundled: bool = False) -> Assignment:
    try:
        data = tomllib.loads(path.read_text())
        return Assignment(name=name, title=str(data.get("title", name)), root=root,
                          symbols=tuple(data["symbols"]), provided=tuple(data.get("provided", ())),
                          call_timeout=float(data.get("call_timeout", 10.0)),
                          hash_seeds=tuple(int(x) for x in data.get("hash_seeds", (0,))), bundled=bundled,
                          preload=_preload(data),
                          hidden_visibility=_visibility(data))
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise UsageError(f"{path} is not a valid assignment file: {exc}") from None


def _preload(data: dict) -> tuple[str, ...]:
    modules = data.get("preload", ["torch"])
    if type(modules) is not list or not set(modules) <= set(PRELOADABLE):
        raise ValueError(f"preload must be a list of {', '.join(PRELOADABLE)}")
    return tuple(m for m in PRELOADABLE if m in modules)


def _visibility(data: dict) -> str:
    value = data.get("hidden_visibility", DEFAULT_HIDDEN_VISIBILITY)
    if value not in VISIBILITIES:
        raise ValueError(f"hidden_visibility must be one of {', '.join(VISIBILITIES)}, not {value!r}")
    return value


def hidden_visibility(name: str, root: Path | None = None) -> str:
    """The ``hidden_visibility`` of an assignment for exports and reports; the default when its file is not here
    or does not say (a gradebook re-exported on another machine)."""
    try:
        return _visibility(tomllib.loads((root or project_root()).joinpath("assignments", name, "assignment.toml")
                                         .read_text()))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError, ValueError):
        return DEFAULT_HIDDEN_VISIBILITY


def find_bundle(start: Path) -> tuple[Path, str] | None:
    """(bundle folder, assignment name) of the student bundle at ``start`` or above it, if any: a folder whose
    ``assignment.toml`` has a ``[bundle]`` table (written by ``grader release``)."""
    start = start.resolve()
    for folder in (start, *start.parents):
        path = folder / "assignment.toml"
        if path.is_file():
            try:
                name = tomllib.loads(path.read_text()).get("bundle", {}).get("assignment")
            except (OSError, tomllib.TOMLDecodeError):
                return None
            return (folder, str(name)) if name else None
    return None
