"""``grader check --format github``: workflow-command annotations within GitHub's limits, and a job summary.

GitHub shows at most 10 error, 10 warning and 10 notice annotations per step (50 per job): the first nine
failures get an ``::error`` each and a tenth says how many more failed and names them; warnings (extraction
notes) likewise. One ``::notice`` carries the score. The Markdown summary (a table of every test, the
reasons of the failures) is appended to ``$GITHUB_STEP_SUMMARY`` (GitHub caps it at 1 MiB per step; ours is
cut well below). Every piece of student text goes through :mod:`grader.results.sanitize`.
"""
from __future__ import annotations

from pathlib import Path

from grader.results.records import PASSED, SKIPPED, SubmissionResult
from grader.results.sanitize import github_data, github_property, line as _line, text as _text

PER_TYPE = 10  # annotations of one type GitHub shows per step
SUMMARY_BYTES = 256 << 10


def _limited(kind: str, items: list[tuple[str, str]], file: str) -> list[str]:
    """``items`` as (title, message) annotations of ``kind``, never more than :data:`PER_TYPE`."""
    head = items if len(items) <= PER_TYPE else items[:PER_TYPE - 1]
    out = [f"::{kind} file={github_property(file)},title={github_property(title)}::{github_data(message)}"
           for title, message in head]
    rest = items[len(head):]
    if rest:
        names = ", ".join(title for title, _ in rest)
        out.append(f"::{kind} file={github_property(file)},title={github_property(f'{len(rest)} more')}::"
                   f"{github_data(f'{len(rest)} more: {names} (see the job summary or the log)')}")
    return out


def annotations(r: SubmissionResult, notebook: str) -> list[str]:
    errors = []
    if r.status not in ("graded", "grader_error"):
        errors.append((r.status, r.message))
    errors += [(t.name, t.message or t.outcome) for t in r.tests
               if t.outcome not in (PASSED, SKIPPED) and (t.message or "").strip() != r.message.strip()]
    warnings = [("note", w) for w in r.warnings]
    out = _limited("error", errors, notebook) + _limited("warning", warnings, notebook)
    passed = sum(t.outcome == PASSED for t in r.tests)
    score = f"{passed}/{len(r.tests)} public tests passed, {r.score:g}/{r.max_score:g} points (a self-check)"
    out.append(f"::notice title=score::{github_data(score)}")
    return out


def _cell(value: str, limit: int = 300) -> str:
    s = _line(value).replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")
    return s if len(s) <= limit else s[:limit - 1] + "…"


def markdown(r: SubmissionResult, notebook: str) -> str:
    passed = sum(t.outcome == PASSED for t in r.tests)
    icon = "✅" if passed == len(r.tests) and r.status == "graded" else "❌"
    lines = [f"## {icon} {_cell(r.assignment)}: {passed}/{len(r.tests)} public tests, {r.score:g}/{r.max_score:g} "
             "points", "", f"Notebook: `{_cell(notebook)}`. A self-check: hidden tests decide the grade.", ""]
    if r.status not in ("graded", "grader_error"):
        lines += [f"**{_cell(r.status)}**: {_cell(r.message, 1000)}", ""]
    lines += ["| | test | points | why |", "|---|---|---|---|"]
    for t in r.tests:
        mark = "✅" if t.outcome == PASSED else ("➖" if t.outcome == SKIPPED else "❌")
        why = "" if t.outcome == PASSED or (t.message or "").strip() == r.message.strip() else t.message
        lines.append(f"| {mark} | `{_cell(t.name)}` | {t.points:g}/{t.max_points:g} | {_cell((why or '').strip().split(chr(10))[0])} |")
    failing = [t for t in r.tests if t.outcome not in (PASSED, SKIPPED) and t.message
               and t.message.strip() != r.message.strip()]
    if failing:
        lines += ["", "<details><summary>Failure messages</summary>", ""]
        for t in failing:
            lines += [f"**{_cell(t.name)}**", "", "```", _text(t.message).replace("```", "'''")[:4000], "```", ""]
        lines.append("</details>")
    text = "\n".join(lines) + "\n"
    return text if len(text.encode()) <= SUMMARY_BYTES else text.encode()[:SUMMARY_BYTES].decode(errors="ignore") + \
        "\n\n(cut: see the log)\n"


def write_summary(r: SubmissionResult, notebook: str, path: Path) -> None:
    with open(path, "a", encoding="utf-8") as f:
        f.write(markdown(r, notebook))
