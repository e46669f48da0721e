"""The pages in a real browser: a small masked_mha cohort graded with the CLI (public and hidden tests), then the
course page, the assignment dashboard and a failing student's page opened in headless Chromium (Debian's
``chromium``) from file:// URLs. No console error, no network request (every asset is inline: an http(s) URL in
the HTML is itself a failure), and screenshots kept in the test's tmp folder for a person to look at.
"""
import re
import shutil
import subprocess

import pytest

from conftest import ROOT, run_cli

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SAMPLES = ("triu_not_tril", "scale_d_model", "ben_explicit_args")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not on PATH (Debian: apt-get install chromium)")
CONSOLE = re.compile(r"Uncaught|ERROR:CONSOLE|CONSOLE\(\d+\)|net::ERR_")


def _open(page, shot, tmp_path) -> str:
    """Load ``page`` in headless Chromium with every host unresolvable, save a screenshot; its stderr log."""
    proc = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--enable-logging=stderr",
         "--v=0", "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--host-resolver-rules=MAP * ~NOTFOUND", f"--user-data-dir={tmp_path / 'profile'}",
         "--window-size=1200,2000", f"--screenshot={shot}", page.as_uri()],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert shot.is_file() and shot.stat().st_size > 10_000, proc.stderr[-2000:]
    return proc.stderr


def test_course_dashboard_and_student_page_render_offline_without_errors(tmp_path):
    out = tmp_path / "reports"
    proc = run_cli("grade", *(ROOT / "submissions" / "masked_mha" / f"{s}.ipynb" for s in SAMPLES),
                   "--assignment", "masked_mha", "--out", out, "--workers", "2", timeout=120)
    assert proc.returncode == 0, proc.stderr
    student = out / "masked_mha" / "triu_not_tril" / "report.html"
    pages = {"course": out / "index.html", "dashboard": out / "masked_mha" / "index.html", "student": student,
             "student_weights": out / "masked_mha" / "scale_d_model" / "report.html"}
    for name, page in pages.items():
        html = page.read_text(encoding="utf-8")
        assert not re.search(r'(src|href)\s*=\s*["\']?\s*(https?:)?//', html, re.I), f"{name}: a remote URL"
        assert "url(http" not in html and "@import" not in html, name
        log = _open(page, tmp_path / f"{name}.png", tmp_path)
        bad = [line for line in log.splitlines() if CONSOLE.search(line)]
        assert not bad, f"{name}: {bad[:5]}"
    html = student.read_text(encoding="utf-8")
    assert 'href="../index.html"' in html and 'class="grid"' in html  # the link back; the masks drawn
    assert "not counted on this device" in html and "instructor" not in html.lower()
    assert (student.parent / "../index.html").resolve() == pages["dashboard"].resolve()
