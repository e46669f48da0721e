"""``grader similar``: rank pairs of submissions whose graded code is unusually similar, for a human to read.

Submissions are found and prepared exactly as ``grade`` does (nothing of theirs runs); the released
template is prepared the same way and its code is boilerplate. Prints a ranked table on stdout and writes
``similarity.html`` (side by side) under ``--out``. Evidence for a human, never a penalty: nothing here
touches a grade.
"""
from __future__ import annotations

from pathlib import Path

from grader import assignment as assignments
from grader.console import say
from grader.errors import UsageError
from grader.intake import discover, notebook
from grader.intake.prepare import prepare, prepare_all
from grader.results import similarity


def similar(args) -> int:
    try:
        import copydetect  # noqa: F401
    except ImportError:
        raise UsageError("`grader similar` needs copydetect", hint="pip install 'grader[similarity]'") from None
    a = assignments.load(args.assignment)
    if not 0.0 < args.threshold <= 1.0:
        raise UsageError(f"--threshold must be in (0, 1], got {args.threshold:g}", hint="e.g. --threshold 0.6")
    if args.min_overlap < 1:
        raise UsageError(f"--min-overlap must be at least 1, got {args.min_overlap}")
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    boilerplate = template_code(a)
    codes, skipped = [], []
    for prep in prepare_all(discover.discover(args.paths), a):
        if prep.path.resolve() == a.template.resolve():
            skipped.append((prep.submission_id, "the released template itself"))
        elif prep.unusable or prep.extraction is None:
            skipped.append((prep.submission_id, prep.unusable.message if prep.unusable else "nothing extracted"))
        else:
            code = similarity.Code(prep.submission_id, similarity.student_source(prep.extraction))
            (codes.append(code) if code.source.strip() else skipped.append((prep.submission_id, "no graded code")))
    pairs = similarity.compare(codes, boilerplate, args.threshold, args.min_overlap)
    print(similarity.table(pairs))
    path = out / "similarity.html"
    similarity.write_html(pairs, codes, path, a.name, args.threshold, args.min_overlap, skipped)
    for sid, why in skipped:
        say(f"not compared: {similarity.sanitize.line(sid)}: {similarity.sanitize.line(why)[:200]}")
    say(f"compared {len(codes)} {a.name} submissions, {len(pairs)} pair(s) shown; wrote {path} "
        "(evidence for a human, never a penalty)")
    return 0


def template_code(a: assignments.Assignment) -> tuple[str, ...]:
    """The released template's code, as boilerplate: its extraction (student lines) and every code cell."""
    if not a.template.is_file():
        raise UsageError(f"the released template of {a.name} is missing ({a.template})",
                         hint="similarity leaves the template's code out, so it needs the template")
    prep = prepare(a.template, a)
    extracted = similarity.student_source(prep.extraction) if prep.extraction else ""
    cells = notebook.strip_ipython(notebook.read(a.template).cells)
    return extracted, "\n".join(c.source for c in cells)
