"""``grader similar`` like an instructor runs it: a renamed copy ranks first, the template is never a pair."""
import shutil

from similarity_samples import RENAMED, SAMPLES, TEMPLATE, notebook_with, template_plus_one_line

from conftest import run_cli


def test_similar_ranks_a_renamed_copy_first_and_never_reports_the_template(tmp_path):
    cohort = tmp_path / "cohort"
    cohort.mkdir()
    for name in ("alice_regex.ipynb", "carol_tiebreak.ipynb", "ken_naive_replace.ipynb", "dave_script.py"):
        shutil.copy(SAMPLES / name, cohort / name)
    notebook_with(cohort / "zed_renamed.ipynb", RENAMED)
    template_plus_one_line(cohort / "tom_template_plus_line.ipynb")
    template_plus_one_line(cohort / "tim_template_plus_line.ipynb")
    shutil.copy(TEMPLATE, cohort / "una_untouched.ipynb")
    out = tmp_path / "out"

    proc = run_cli("similar", cohort, "--assignment", "bpe", "--out", out, timeout=300)
    assert proc.returncode == 0, proc.stderr
    rows = [line.split() for line in proc.stdout.splitlines()[1:]]
    assert rows and {rows[0][2], rows[0][3]} == {"alice_regex", "zed_renamed"}, proc.stdout
    assert rows[0][1] in ("100%", "99%", "98%", "97%", "96%", "95%")
    for row in rows:
        assert not {"tom_template_plus_line", "tim_template_plus_line", "una_untouched"} & set(row), proc.stdout
    html = (out / "similarity.html").read_text()
    assert "Evidence for a human, never a penalty." in html and "zed_renamed" in html
    assert "compared 8 bpe submissions" in proc.stderr

    low = run_cli("similar", cohort, "--assignment", "bpe", "--out", out, "--threshold", "0.05", "--min-overlap", "1",
                  timeout=300)
    assert low.returncode == 0, low.stderr
    ranked = [line.split() for line in low.stdout.splitlines()[1:]]
    assert {ranked[0][2], ranked[0][3]} == {"alice_regex", "zed_renamed"} and len(ranked) > 3, low.stdout
    assert all(float(r[1].rstrip("%")) < float(ranked[0][1].rstrip("%")) for r in ranked[2:])  # unrelated: lower
    assert not any("una_untouched" in r for r in ranked)  # the template itself shares nothing beyond itself


def test_similar_rejects_a_bad_threshold_without_a_traceback(tmp_path):
    proc = run_cli("similar", SAMPLES, "--assignment", "bpe", "--out", tmp_path, "--threshold", "2")
    assert proc.returncode == 2 and "--threshold" in proc.stderr and "Traceback" not in proc.stderr
