"""The command line: ``grader grade | check | release | validate | extract | status | doctor | similar``.

This is the one place where grader errors become a message, a hint and an exit code (never a
traceback). Exit codes: 0 done, 1 tests failed (``check``/``validate``), 2 bad usage or input,
3 the grader could not do its job, 130 interrupted.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grader import __version__
from grader.errors import EXIT_GRADER, EXIT_INTERRUPTED, EXIT_USAGE, GraderError


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="grader", description="Autograder for deep-learning course assignments.")
    p.add_argument("--version", action="version", version=f"grader {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    g = sub.add_parser("grade", help="grade submissions into a gradebook and reports")
    g.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    g.add_argument("--assignment", required=True)
    g.add_argument("--out", type=Path, default=Path("reports"))
    g.add_argument("--workers", type=int, default=None, help="parallel workers (default: one per core)")
    g.add_argument("--device", choices=["auto", "cpu", "cuda"], default="cpu")
    g.add_argument("--public-only", action="store_true", help="run only the public tests")
    g.add_argument("--max-notebook-mib", type=_positive, default=20, metavar="MIB",
                   help="read notebooks up to this size; larger ones get status invalid (default: %(default)s)")
    g.add_argument("--regrade", action="store_true", help="grade again what the gradebook already has")
    g.add_argument("--executor", choices=["local", "dask"], default="local")
    g.add_argument("--scheduler", help="Dask scheduler address (with --executor dask)")
    g.add_argument("--require", default="netns,pidns,mountns,uid",
                   help="protections official grades need (default: %(default)s)")
    g.add_argument("--allow-unsafe", action="store_true",
                   help="grade even where the sandbox lacks a protection named by --require")

    c = sub.add_parser("check", help="run the public tests on your notebook")
    c.add_argument("notebook", type=Path)
    c.add_argument("--assignment")
    c.add_argument("--format", choices=["text", "json", "junit", "github"], default="text")
    c.add_argument("--device", choices=["auto", "cpu", "cuda"], default="cpu")

    r = sub.add_parser("release", help="build the student notebook from the master solution")
    r.add_argument("name")
    r.add_argument("--out", type=Path, required=True)

    v = sub.add_parser("validate", help="reference full marks, template zero, every mutant caught")
    v.add_argument("name")

    e = sub.add_parser("extract", help="print what would be graded")
    e.add_argument("notebook", type=Path)
    e.add_argument("--assignment", required=True)

    s = sub.add_parser("status", help="summarise a gradebook")
    s.add_argument("--out", type=Path, default=Path("reports"))

    sub.add_parser("doctor", help="show which sandbox protections apply on this machine")

    m = sub.add_parser("similar", help="rank pairs of submissions with unusually similar graded code (for a human)")
    m.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="submissions: files, folders or an LMS .zip")
    m.add_argument("--assignment", required=True)
    m.add_argument("--out", type=Path, default=Path("reports"), help="where similarity.html goes (default: reports)")
    m.add_argument("--threshold", type=float, default=0.5,
                   help="show pairs where this share of one side's non-template code is in the other (default: 0.5)")
    m.add_argument("--min-overlap", type=int, default=75,
                   help="and at least this many normalised characters are shared (default: 75)")
    return p


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < 1 << 20:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from grader import commands

    try:
        return getattr(commands, args.command)(args)
    except GraderError as exc:
        print(f"grader: error: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"  hint: {exc.hint}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("grader: interrupted; results committed so far are kept (rerun to finish)", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_GRADER
    except OSError as exc:
        print(f"grader: error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return EXIT_USAGE
