"""Every sink gets student text only as inert text: a case each sink must keep and one it must neutralise."""
import csv
import io
import xml.etree.ElementTree as ET

from grader.results import sanitize


def test_terminal_text_keeps_words_and_loses_escapes():
    assert sanitize.text("3 tokens\n\tok ✔") == "3 tokens\n\tok ✔"
    out = sanitize.text("a\x1b[2Jb\x1b]0;title\x07c\x9bd\u202eevil\ud800")
    assert "\x1b" not in out and "\x9b" not in out and "\u202e" not in out and "\ud800" not in out
    assert out.startswith("abc") and "\\u202e" in out and "\\ud800" in out
    assert "\n" not in sanitize.line("bob\nsmith\r")


def test_junit_text_always_parses():
    hostile = "form\x0cfeed \x00 nul \ud800 \x1b[31mred"
    root = ET.fromstring(f"<a b='{sanitize.xml(hostile)}'>{sanitize.xml(hostile)}</a>".encode())
    assert "form" in root.text and "red" in root.text


def test_csv_cells_never_start_a_formula():
    for evil in ("=HYPERLINK(\"http://x\",\"y\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert sanitize.csv_cell(evil).startswith("'")
    assert sanitize.csv_cell("alice") == "alice" and sanitize.csv_cell(3.5) == 3.5
    buf = io.StringIO()
    csv.writer(buf).writerow([sanitize.csv_cell("=1+1")])
    assert buf.getvalue().startswith("'=1+1")


def test_student_text_never_starts_a_workflow_command():
    for evil in ("::error ::All hidden tests passed", "::add-mask::x", "  ::stop-commands::tok", "##[group]x"):
        assert not sanitize.plain_output(evil).lstrip().startswith(("::", "##["))
        assert "::" not in sanitize.github_data(evil).split("%0A")[0][:3]
    assert sanitize.github_data("50% done\r\nnext") == "50%25 done%0Anext"
    assert sanitize.github_property("a:b,c") == "a%3Ab%2Cc"
