"""Intake under attack: what a cohort folder or an LMS zip can hold, graded in one batch with honest neighbours.

Every hostile input is built in ``tmp_path`` at test time (links, FIFOs, devices, odd file names, zip bombs,
parse bombs; nothing big is committed). The batch must complete with exit 0, every honest submission must
score what it scores alone, and every attack must get a row with a clear status; no link is ever followed
(no target's content appears anywhere in the outputs) and nothing is left on disk.
"""
import json
import os
import stat
import subprocess
import sys
import tempfile
import zipfile

import nbformat
import pandas as pd
import pytest

from conftest import ROOT, write_notebook
from grader.results.report import safe_dirname

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="official grading needs the full sandbox (CI runs as root)")
SAMPLES = ROOT / "submissions" / "bpe"
SOLUTION = ROOT / "reference" / "bpe" / "solution.ipynb"
HONEST = (SAMPLES / "alice_regex.ipynb").read_bytes()  # 23/23
FRANK = (SAMPLES / "frank_unsorted.ipynb").read_bytes()  # 22/23
MiB = 1 << 20


def _code(path) -> str:
    return "\n\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")


def _zip_with_lying_size(path, honest_members: dict, liar: str, declared: int) -> None:
    """A small zip whose member ``liar`` declares ``declared`` bytes (the 3 GiB member of a 3 MB zip)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in honest_members.items():
            zf.writestr(name, data)
        zf.writestr(liar, b"\0" * MiB)
    data = bytearray(path.read_bytes())
    info = zipfile.ZipFile(path).getinfo(liar)
    data[info.header_offset + 22:info.header_offset + 26] = declared.to_bytes(4, "little")
    central = data.rfind(liar.encode()) - 46
    data[central + 24:central + 28] = declared.to_bytes(4, "little")
    path.write_bytes(bytes(data))


def _build(base):
    cohort, glob, out = base / "cohort", base / "glob", base / "out"
    cohort.mkdir()
    glob.mkdir()
    # identity: three ids that read alike, three that a dedupe by counting would mix up
    (cohort / "alice.ipynb").write_bytes(FRANK)
    (cohort / "alice.py").write_bytes((SAMPLES / "dave_script.py").read_bytes())
    (cohort / "alice~2.ipynb").write_bytes(HONEST)
    for name, data in (("bob smith", HONEST), ("bob_smith", FRANK), ("bob?smith", (SAMPLES / "grace_no_specials.ipynb")
                                                                     .read_bytes())):
        (cohort / name).mkdir()
        (cohort / name / "bpe.ipynb").write_bytes(data)
    # names: an undecodable (Latin-1) byte, an encoded lone surrogate, ESC and a newline
    for raw in (b"caf\xe9.ipynb", b"sur\xed\xa0\x80.ipynb", b"esc\x1b[2J\nnewline.ipynb"):
        with open(os.path.join(os.fsencode(cohort), raw), "wb") as f:
            f.write(HONEST)
    # links and special files: never followed, never opened
    os.symlink(SOLUTION, cohort / "sol_link.ipynb")
    os.symlink("/etc/passwd", cohort / "passwd_link.ipynb")
    os.symlink("/proc/self/fd/0", cohort / "stdin_link.ipynb")
    os.symlink("/dev/null", cohort / "null_link.ipynb")
    (cohort / "carol").mkdir()
    os.symlink(SOLUTION, cohort / "carol" / "hw.ipynb")
    os.mkfifo(cohort / "fifo.ipynb")
    os.mknod(cohort / "device.ipynb", stat.S_IFCHR | 0o666, os.makedev(1, 3))
    # unsupported files get a row
    (cohort / "notes.md").write_text("# my notes")
    (cohort / "essay.pdf").write_bytes(b"%PDF-1.4")
    # size: a sparse 3 GiB notebook, a real 6 MiB one (over --max-notebook-mib 5)
    with open(cohort / "huge.ipynb", "wb") as f:
        f.truncate(3 << 30)
    nb = nbformat.reads(HONEST.decode(), as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("x" * (6 * MiB)))
    nbformat.write(nb, cohort / "big.ipynb")
    # parse bombs: a 400 KB expression (RecursionError in ast.parse), a lone surrogate spelled in the JSON
    write_notebook(cohort / "deep.ipynb", "x = " + "1+" * 200_000 + "1", _code(SAMPLES / "alice_regex.ipynb"))
    nb = nbformat.reads(HONEST.decode(), as_version=4)
    code = next(c for c in nb.cells if c.cell_type == "code")
    code.source = "# \ud800\n" + code.source
    (cohort / "surrogate_source.ipynb").write_text(json.dumps(nb))  # ASCII JSON: the surrogate is spelled \ud800
    (cohort / "zz_honest.ipynb").write_bytes(HONEST)
    # an LMS zip: one wrapping folder, honest students beside zip-slip, a link, a ratio bomb, a 3 GiB member
    lms = base / "lms.zip"
    _zip_with_lying_size(lms, {"export/dan/hw.ipynb": HONEST, "../evil.ipynb": HONEST, "/abs.ipynb": HONEST},
                         "export/gus/hw.ipynb", 3 << 30)
    with zipfile.ZipFile(lms, "a", zipfile.ZIP_DEFLATED) as zf:
        link = zipfile.ZipInfo("export/eve/hw.ipynb")
        link.create_system, link.external_attr = 3, (stat.S_IFLNK | 0o777) << 16
        zf.writestr(link, str(SOLUTION))
        zf.writestr("export/fay/hw.ipynb", b"\0" * (4 * MiB))  # 4 MiB of zeros: ~1000:1
        zf.writestr("export/hal/hw.ipynb", HONEST)
    # a member-count bomb and a zip whose name is not the UTF-8 it claims to be
    with zipfile.ZipFile(base / "many.zip", "w") as zf:
        for i in range(20_001):
            zf.writestr(f"f{i}.py", b"")
    with zipfile.ZipFile(base / "badname.zip", "w") as zf:
        zf.writestr("abc.ipynb", HONEST)
    data = bytearray((base / "badname.zip").read_bytes().replace(b"abc.ipynb", b"a\xe9c.ipynb"))
    for sig, flag_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        data[data.find(sig) + flag_at + 1] |= 0x08  # bit 11 of the general purpose flags: "names are UTF-8"
    (base / "badname.zip").write_bytes(bytes(data))
    # a shell glob names student links on the command line: hidden folders must come from the instructor's names
    os.symlink("/dev/null", glob / "null.ipynb")
    (glob / "gina.ipynb").write_bytes(HONEST)
    return [cohort, lms, base / "many.zip", base / "badname.zip", glob / "null.ipynb", glob / "gina.ipynb"], out


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    base = tmp_path_factory.mktemp("intake")
    inputs, out = _build(base)
    temp_before = set(os.listdir(tempfile.gettempdir()))
    # stdin stays an open pipe: a parent that reads /proc/self/fd/0 hangs here (and the test times out)
    with open(base / "stdout", "w+") as stdout, open(base / "stderr", "w+") as stderr:
        proc = subprocess.Popen([sys.executable, "-m", "grader", "grade", *map(str, inputs), "--assignment", "bpe",
                                 "--out", str(out), "--workers", "1", "--max-notebook-mib", "5"], cwd=ROOT,
                                stdin=subprocess.PIPE, stdout=stdout, stderr=stderr, text=True)
        try:
            proc.wait(timeout=300)
        finally:
            proc.kill()
            proc.stdin.close()
    stdout, stderr = (base / "stdout").read_text(), (base / "stderr").read_text()
    grades = pd.read_csv(out / "grades.csv", keep_default_na=False).set_index("submission_id")
    return {"code": proc.returncode, "stderr": stderr, "stdout": stdout, "out": out, "grades": grades, "base": base,
            "temp_new": set(os.listdir(tempfile.gettempdir())) - temp_before}


def row(batch, sid):
    return batch["grades"].loc[sid]


def results(batch, sid) -> dict:
    return json.loads((batch["out"] / "bpe" / safe_dirname(sid) / "results.json").read_text())


def all_output_text(batch) -> str:
    return "\n".join(p.read_text(errors="replace") for p in batch["out"].rglob("*")
                     if p.is_file() and p.suffix in (".json", ".html", ".csv", ".xml"))


def test_the_batch_completes_and_honest_neighbours_get_full_marks(batch):
    assert batch["code"] == 0, batch["stderr"]
    for sid in ("zz_honest", "alice~2", "bob smith", "dan", "hal", "gina", "surrogate_source"):
        assert (row(batch, sid)["score"], row(batch, sid)["status"]) == (27, "graded"), sid
    assert "Traceback" not in batch["stderr"]


def test_links_and_special_files_are_never_followed(batch):
    for sid in ("sol_link", "passwd_link", "stdin_link", "null_link", "carol", "eve"):
        assert row(batch, sid)["status"] == "invalid", sid
        assert "is a symbolic link" in results(batch, sid)["output"], sid
    for sid, what in (("fifo", "a FIFO"), ("device", "a character device")):
        assert row(batch, sid)["status"] == "invalid" and what in results(batch, sid)["output"]
    text = all_output_text(batch)
    assert "root:x:0:0" not in text and "BEGIN SOLUTION" not in text


def test_a_named_link_never_makes_cells_mask_its_target(batch):
    assert row(batch, "null")["status"] == "invalid"
    assert row(batch, "gina")["score"] == 27  # with /dev masked, no cell could start


def test_odd_file_names_become_safe_stable_ids(batch):
    ids = set(batch["grades"].index)
    for sid in ("caf\\xe9", "sur\\xed\\xa0\\x80", "esc\\x1b[2J\\nnewline"):
        assert sid in ids and row(batch, sid)["score"] == 27, sid
    assert not any(c in "".join(ids) for c in "\x1b\n\r") and all(i.isprintable() for i in ids)


def test_ids_and_report_folders_never_collide(batch):
    g = batch["grades"]
    assert (g.loc["alice", "score"], g.loc["alice.py", "score"], g.loc["alice~2", "score"]) == (26, 27, 27)
    assert "also named 'alice'" in results(batch, "alice.py")["output"]
    scores = {sid: results(batch, sid)["score"] for sid in ("bob smith", "bob_smith", "bob?smith")}
    assert scores == {sid: g.loc[sid, "score"] for sid in scores}  # each its own
    folders = [p.name for p in (batch["out"] / "bpe").iterdir() if p.is_dir()]  # beside the dashboard's files
    assert len(folders) == len(g) == len(set(folders))


def test_unsupported_files_get_a_row(batch):
    for sid in ("notes.md", "essay.pdf"):
        assert row(batch, sid)["status"] == "unsupported"
        assert "is not a notebook (.ipynb) or a Python file (.py)" in results(batch, sid)["output"]


def test_oversized_notebooks_are_refused_unread(batch):
    for sid in ("huge", "big", "gus"):
        assert row(batch, sid)["status"] == "invalid", sid
        assert "the grader reads notebooks of at most 5 MiB" in results(batch, sid)["output"], sid


def test_zip_bombs_and_zip_slip(batch):
    assert row(batch, "fay")["status"] == "invalid" and "a zip bomb?" in results(batch, "fay")["output"]
    assert row(batch, "many")["status"] == "invalid" and "holds 20001 files" in results(batch, "many")["output"]
    assert row(batch, "badname")["status"] == "invalid"
    for sid in ("evil.ipynb", "abs.ipynb"):
        assert row(batch, sid)["status"] == "invalid" and "points outside" in results(batch, sid)["output"]
    assert not any(p.name == "evil.ipynb" for p in (batch["base"].parent, batch["base"], batch["out"]) for p in
                   p.iterdir())
    leftovers = [p for p in batch["out"].iterdir() if p.name.startswith("grader-zip")]
    assert not leftovers and not [n for n in batch["temp_new"] if n.startswith("grader-zip")]


def test_parse_bombs_are_a_status_not_a_crash(batch):
    deep = row(batch, "deep")
    assert deep["status"] in ("invalid", "graded")  # graded once extraction skips the cell it cannot parse
    assert "RecursionError" in results(batch, "deep")["output"] or deep["score"] == 27
