"""The command line: ``grader grade | check | release | validate | new | extract | status | doctor | similar``.

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


def _sub(sub, name: str, help: str, examples: str):
    return sub.add_parser(name, help=help, description=help[0].upper() + help[1:] + ".",
                          epilog="examples:\n" + examples, formatter_class=argparse.RawDescriptionHelpFormatter)


DEVICE_HELP = "where student code runs: cpu, cuda, or auto (cuda when there is one; default: %(default)s)"


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="grader", description="Autograder for deep-learning course assignments.",
                                epilog="run `grader COMMAND --help` for a command's options and examples")
    p.add_argument("--version", action="version", version=f"grader {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    g = _sub(sub, "grade", "grade submissions into a gradebook and reports",
             "  grader grade submissions/bpe --assignment bpe --out reports\n"
             "  grader grade export.zip --assignment mha --out reports --workers 4\n"
             "  grader grade submissions/bpe --assignment bpe --executor dask --scheduler tcp://host:8786")
    g.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                   help="notebooks, .py files, folders of them (one per student) or an LMS .zip export")
    g.add_argument("--assignment", required=True, help="the assignment's name (a folder of assignments/)")
    g.add_argument("--out", type=Path, default=Path("reports"), help="where the gradebook and reports go "
                   "(default: %(default)s)")
    g.add_argument("--workers", type=int, default=None, help="parallel workers (default: one per core)")
    g.add_argument("--device", choices=["auto", "cpu", "cuda"], default="cpu", help=DEVICE_HELP)
    g.add_argument("--public-only", action="store_true", help="run only the public tests")
    g.add_argument("--max-notebook-mib", type=_positive, default=20, metavar="MIB",
                   help="read notebooks up to this size; larger ones get status invalid (default: %(default)s)")
    g.add_argument("--regrade", action="store_true", help="grade again what the gradebook already has")
    g.add_argument("--executor", choices=["local", "dask"], default="local",
                   help="local processes, or a Dask cluster (default: %(default)s)")
    g.add_argument("--scheduler", help="Dask scheduler address (with --executor dask)")
    g.add_argument("--require", default="netns,pidns,mountns,uid",
                   help="protections official grades need (default: %(default)s)")
    g.add_argument("--allow-unsafe", action="store_true",
                   help="grade even where the sandbox lacks a protection named by --require")

    c = _sub(sub, "check", "run the public tests on your notebook (a self-check)",
             "  grader check my_homework.ipynb                 # the bundle beside it says which assignment\n"
             "  grader check hw.ipynb --bundle ~/course/bpe    # the bundle elsewhere\n"
             "  grader check . --format github --junit grader-junit.xml   # in CI (the released workflow)\n"
             "  grader check hw.ipynb --verbose                # every sandbox layer, applied or not")
    c.add_argument("notebook", type=Path, metavar="NOTEBOOK",
                   help="your notebook (or the bundle's folder: the notebook in it is checked)")
    c.add_argument("--assignment", help="the assignment (default: the notebook's metadata, the bundle, or the "
                   "file name)")
    c.add_argument("--bundle", type=Path, help="the folder `grader release` made (default: the notebook's folder "
                   "or one above it)")
    c.add_argument("--format", choices=["text", "json", "junit", "github"], default="text",
                   help="text for people; json (Gradescope), junit, or github (workflow annotations and a job "
                        "summary in $GITHUB_STEP_SUMMARY) for machines (default: %(default)s)")
    c.add_argument("--junit", type=Path, metavar="FILE", help="also write a JUnit XML report to FILE")
    c.add_argument("--summary", type=Path, metavar="FILE",
                   help="with --format github: append the Markdown summary here (default: $GITHUB_STEP_SUMMARY)")
    c.add_argument("--device", choices=["auto", "cpu", "cuda"], default="cpu", help=DEVICE_HELP)
    c.add_argument("--verbose", "-v", action="store_true", help="list every sandbox layer, applied or not")

    r = _sub(sub, "release", "write the student bundle: template, public tests, recorded answers, README, CI",
             "  grader release bpe --out dist/bpe     # then: cd dist/bpe && git init && git add . && ...\n"
             "refuses (exit 2) when the template would still hold solution code, naming the cell")
    r.add_argument("name", help="the assignment to release")
    r.add_argument("--out", type=Path, required=True, help="the bundle's folder (a submission repository's root; "
                   "never assignments/ or reference/)")

    v = _sub(sub, "validate", "prove the tests: reference full marks, template zero, every mutant caught",
             "  grader validate bpe\n  for a in bpe mha; do grader validate $a || exit 1; done")
    v.add_argument("name", help="the assignment to validate")

    n = _sub(sub, "new", "scaffold a new assignment that validates as written",
             "  grader new attention_2          # then follow the printed steps\n"
             "  grader new toy --root ~/course")
    n.add_argument("name", help="the new assignment's name (a Python identifier)")
    n.add_argument("--root", type=Path, help="the course root, the folder holding assignments/ and reference/ "
                   "(default: the current folder)")

    e = _sub(sub, "extract", "print what would be graded",
             "  grader extract submissions/bpe/erin_magics.ipynb --assignment bpe")
    e.add_argument("notebook", type=Path, help="a notebook or .py file")
    e.add_argument("--assignment", required=True, help="the assignment whose symbols are extracted")

    s = _sub(sub, "status", "summarise a gradebook", "  grader status --out reports")
    s.add_argument("--out", type=Path, default=Path("reports"), help="the folder `grade --out` wrote "
                   "(default: %(default)s)")

    _sub(sub, "doctor", "show which sandbox protections apply on this machine", "  grader doctor")

    m = _sub(sub, "similar", "rank pairs of submissions with unusually similar graded code (for a human)",
             "  grader similar submissions/bpe --assignment bpe --out reports   # then open reports/similarity.html")
    m.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="submissions: files, folders or an LMS .zip")
    m.add_argument("--assignment", required=True, help="the assignment whose graded code is compared")
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
