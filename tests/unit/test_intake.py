"""Intake is total: whatever a cohort folder or an archive holds, discovery and preparation return rows, never raise.

In-process and fast: links, FIFOs, odd names, caps and parse failures, built in ``tmp_path``.
"""
import os
import stat
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT, write_notebook
from grader import assignment
from grader.cli import build_parser
from grader.errors import SubmissionError
from grader.intake import discover, identity, notebook, sources
from grader.intake.prepare import prepare, prepare_all

HONEST = (ROOT / "submissions" / "bpe" / "alice_regex.ipynb").read_bytes()


@pytest.fixture(scope="module")
def bpe():
    return assignment.load("bpe")


def found_by_id(paths, limits=None):
    return {f.submission_id: f for f in discover.discover(paths, limits)}


def test_clean_names_are_printable_and_encodable():
    for raw in ("caf\udce9", "a\x1b[2Jb\nc", "\ud800", "rtl\u202eexe", "tab\there"):
        text = identity.clean(raw)
        assert text.isprintable() and text.encode("utf-8")
    assert identity.clean("caf\udce9") == "caf\\xe9" and identity.clean("plain name") == "plain name"
    assert len(identity.natural_id("x" * 500)) == identity.MAX_ID + 1


def test_ids_are_unique_and_do_not_depend_on_order():
    claims = [("alice", "alice.ipynb", "/c/alice.ipynb"), ("alice", "alice.py", "/c/alice.py"),
              ("alice~2", "alice~2.ipynb", "/c/alice~2.ipynb"), ("alice.py", "alice.py.ipynb", "/c/alice.py.ipynb")]
    ids = identity.assign(claims)
    assert len(set(ids)) == 4 and ids[0] == "alice" and ids[2] == "alice~2" and ids[3] == "alice.py"
    assert ids[1].startswith("alice~") and ids[1] != "alice~2"  # its full name belongs to another claimant
    assert identity.assign(claims[::-1]) == ids[::-1]


def test_a_cohort_folder_gets_a_row_for_everything(tmp_path):
    (tmp_path / "alice.ipynb").write_bytes(HONEST)
    (tmp_path / "alice.py").write_text("x = 1\n")
    (tmp_path / "alice~2.ipynb").write_bytes(HONEST)
    (tmp_path / "notes.md").write_text("notes")
    (tmp_path / ".hidden.ipynb").write_bytes(HONEST)
    os.symlink("/etc/passwd", tmp_path / "passwd.ipynb")
    os.symlink("/etc", tmp_path / "etc")
    os.mkfifo(tmp_path / "pipe.ipynb")
    (tmp_path / "bob").mkdir()
    os.symlink(ROOT / "reference" / "bpe" / "solution.ipynb", tmp_path / "bob" / "hw.ipynb")
    (tmp_path / "cy").mkdir()
    (tmp_path / "cy" / "essay.pdf").write_bytes(b"%PDF")
    with open(os.path.join(os.fsencode(tmp_path), b"d\xe9\x1b.ipynb"), "wb") as f:
        f.write(HONEST)
    found = found_by_id([tmp_path])
    assert set(found) == {"alice", "alice.py", "alice~2", "notes.md", "passwd", "etc", "pipe", "bob", "cy",
                          "d\\xe9\\x1b"}
    statuses = {sid: f.problem.status if f.problem else None for sid, f in found.items()}
    assert statuses == {"alice": None, "alice.py": None, "alice~2": None, "notes.md": "unsupported",
                        "passwd": "invalid", "etc": "invalid", "pipe": "invalid", "bob": "invalid", "cy": "invalid",
                        "d\\xe9\\x1b": None}
    assert "symbolic link" in found["bob"].problem.message and "FIFO" in found["pipe"].problem.message
    assert "essay.pdf" in found["cy"].problem.message


def test_reading_never_follows_links_or_blocks(tmp_path):
    os.symlink("/etc/passwd", tmp_path / "link.ipynb")
    os.mkfifo(tmp_path / "fifo.ipynb")  # opening it for reading would wait for a writer
    for name, words in (("link.ipynb", "symbolic link"), ("fifo.ipynb", "FIFO")):
        with pytest.raises(SubmissionError, match=words):
            sources.read_file(tmp_path / name, 1 << 20)
    with open(tmp_path / "huge.ipynb", "wb") as f:
        f.truncate(3 << 30)  # sparse: nothing is read, the size alone refuses it
    with pytest.raises(SubmissionError, match="at most 20 MiB"):
        sources.read_file(tmp_path / "huge.ipynb", sources.Limits().notebook_bytes)


def test_an_oserror_is_that_submissions_status(tmp_path, monkeypatch, bpe):
    (tmp_path / "a.ipynb").write_bytes(HONEST)
    (tmp_path / "b.ipynb").write_bytes(HONEST)
    real_open = os.open

    def failing_open(path, *args, **kwargs):
        if str(path).endswith("a.ipynb"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", failing_open)
    preps = {p.submission_id: p for p in prepare_all(discover.discover([tmp_path]), bpe)}
    assert preps["a"].unusable.status == "unreadable" and "Permission denied" in preps["a"].unusable.message
    assert preps["b"].unusable is None


def test_parse_failures_are_statuses(tmp_path, bpe):
    (tmp_path / "nested.ipynb").write_text("[" * 100_000 + "]" * 100_000)
    (tmp_path / "latin1.ipynb").write_bytes(b'{"cells": "\xe9"}')
    write_notebook(tmp_path / "deep.ipynb", "x = " + "1+" * 200_000 + "1")
    preps = {p.submission_id: p for p in prepare_all(discover.discover([tmp_path]), bpe)}
    assert {sid: p.unusable.status for sid, p in preps.items()} == {
        "nested": "invalid", "latin1": "invalid", "deep": preps["deep"].unusable.status}
    assert preps["deep"].unusable.status in ("invalid", "missing_symbol")  # missing once extract skips the cell


def test_lone_surrogates_in_notebook_json_become_replacement_characters():
    raw = b'{"cells": [{"id": "a", "cell_type": "code", "source": "# \\ud800\\nx = 1", "metadata": {}, "outputs": [], ' \
          b'"execution_count": null}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'
    cells = notebook.parse(Path("s.ipynb"), raw).cells
    assert cells[0].source == "# \ufffd\nx = 1" and cells[0].source.encode("utf-8")


def _zip(path, members, **kw):
    with zipfile.ZipFile(path, "w", kw.get("compression", zipfile.ZIP_STORED)) as zf:
        for name, data in members.items():
            if isinstance(data, zipfile.ZipInfo):
                zf.writestr(data, b"target")
            else:
                zf.writestr(name, data)
    return path


def test_archives_are_read_in_memory_within_caps(tmp_path, bpe):
    link = zipfile.ZipInfo("class/eve/hw.ipynb")
    link.create_system, link.external_attr = 3, (stat.S_IFLNK | 0o777) << 16
    archive = _zip(tmp_path / "lms.zip", {"class/ada/hw.ipynb": HONEST, "class/eve/hw.ipynb": link,
                                          "class/bomb/hw.ipynb": b"\0" * (2 << 20), "../slip.ipynb": HONEST,
                                          "class/__MACOSX/x.ipynb": b"", "class/readme.txt": b"hi"},
                   compression=zipfile.ZIP_DEFLATED)
    found = found_by_id([archive])
    assert set(found) == {"ada", "eve", "bomb", "slip.ipynb", "readme.txt"}
    preps = {p.submission_id: p for p in prepare_all(list(found.values()), bpe)}
    assert preps["ada"].unusable is None and preps["ada"].extraction is not None
    assert preps["eve"].unusable.status == "invalid" and "symbolic link" in preps["eve"].unusable.message
    assert "zip bomb" in preps["bomb"].unusable.message and "outside" in preps["slip.ipynb"].unusable.message
    assert preps["readme.txt"].unusable.status == "unsupported"
    assert str(preps["ada"].path).endswith("lms.zip/class/ada/hw.ipynb")
    assert not list(tmp_path.glob("class")) and not list(tmp_path.glob("slip.ipynb"))  # nothing extracted


@pytest.mark.parametrize("limits, words", [(sources.Limits(archive_members=3), "holds 4 files"),
                                           (sources.Limits(archive_bytes=100), "MiB of notebooks"),
                                           (sources.Limits(notebook_bytes=100), "at most")])
def test_archive_caps(tmp_path, bpe, limits, words):
    archive = _zip(tmp_path / "a.zip", {f"s{i}.ipynb": HONEST for i in range(4)})
    preps = prepare_all(discover.discover([archive], limits), bpe, limits)
    assert all(p.unusable is not None and words in p.unusable.message for p in preps)


def test_a_broken_archive_is_one_row(tmp_path):
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 not really")
    found = discover.discover([tmp_path / "broken.zip"])
    assert [(f.submission_id, f.problem.status) for f in found] == [("broken", "invalid")]


def test_prepare_of_a_named_link_is_invalid(tmp_path, bpe):
    os.symlink(ROOT / "reference" / "bpe" / "solution.ipynb", tmp_path / "mine.ipynb")
    prep = prepare(tmp_path / "mine.ipynb", bpe)
    assert prep.extraction is None and prep.unusable.status == "invalid"


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "x"])
def test_max_notebook_mib_must_be_positive(value, capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["grade", "x", "--assignment", "bpe", "--max-notebook-mib", value])
    assert build_parser().parse_args(["grade", "x", "--assignment", "bpe"]).max_notebook_mib == 20
