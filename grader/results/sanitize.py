"""One sanitiser for every sink: student text reaches a terminal, a CI log, CSV, JUnit or HTML only as inert text.

Student-controlled text (ids from file names, messages, printed output) may hold escape sequences, C0/C1
controls, bidi overrides, lone surrogates, workflow commands or spreadsheet formulas. Each sink has one
function here, and every writer calls it:

* :func:`text` — a terminal or a log: escape sequences removed, other controls and bidi marks shown as
  ``\\x1b``-style escapes, lone surrogates as ``\\udc80``; newlines and tabs kept where ``multiline``.
* :func:`xml` — only characters XML 1.0 allows (JUnit must always parse).
* :func:`csv_cell` — a leading ``'`` before ``= + - @``, tab and CR, so no spreadsheet evaluates a formula.
* :func:`github_data` / :func:`github_property` — GitHub workflow-command encoding (``%``, CR, LF), and student
  text can never start a command (``::`` and ``##[`` lose their meaning at a line start).
* HTML is autoescaped by Jinja; templates pass student text through :func:`text` first (the ``clean`` filter).
"""
from __future__ import annotations

import re

_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI (colours, cursor, clear screen)
                      r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC (window title, hyperlinks)
                      r"|\x1b[P^_X][^\x1b]*(?:\x1b\\)?"  # DCS, PM, APC, SOS
                      r"|\x1b[@-Z\\-_]")  # two-character sequences
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff"
                       "\u2028\u2029]")
_CONTROLS_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff"
                                "\u2028\u2029]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_XML_ILLEGAL = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_WORKFLOW_COMMAND = re.compile(r"^(\s*)(::|##\[)", re.MULTILINE)


def _visible(match: re.Match) -> str:
    char = match.group(0)
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def text(value, multiline: bool = True) -> str:
    """Student text made inert for a terminal, a log, or an HTML page (which also autoescapes)."""
    s = _SURROGATE.sub(_visible, str(value))
    s = _ESCAPES.sub("", s)
    s = s.replace("\r\n", "\n")
    return (_CONTROLS if multiline else _CONTROLS_ONE_LINE).sub(_visible, s)


def line(value) -> str:
    """One line of student text (a submission id in a progress line): no newline survives."""
    return text(value, multiline=False)


def xml(value) -> str:
    """Text that XML 1.0 can hold: illegal characters shown as escapes."""
    return _XML_ILLEGAL.sub(_visible, text(value))


def csv_cell(value):
    """A cell no spreadsheet evaluates: text starting like a formula gets a leading apostrophe."""
    if not isinstance(value, str):
        return value
    s = line(value) if "\n" not in value else text(value)
    return "'" + s if s.startswith(_FORMULA_START) or value.startswith(_FORMULA_START) else s


def github_data(value) -> str:
    """The message part of a workflow command: encoded as GitHub's rules require, never a command itself."""
    s = _WORKFLOW_COMMAND.sub(lambda m: m.group(1) + m.group(2)[0] + "\u200b" + m.group(2)[1:], text(value))
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def github_property(value) -> str:
    """A property (``file=``, ``title=``) of a workflow command."""
    return github_data(value).replace(":", "%3A").replace(",", "%2C")


def plain_output(value) -> str:
    """Text printed to the instructor's terminal or a CI log by ``grader check --format text``: no line of
    student text may start a workflow command there either."""
    return _WORKFLOW_COMMAND.sub(lambda m: m.group(1) + m.group(2)[0] + "\u200b" + m.group(2)[1:], text(value))
