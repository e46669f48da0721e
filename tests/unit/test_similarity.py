"""Similarity, in-process: a renamed copy ranks first, the template is boilerplate, the page is inert text."""
from types import SimpleNamespace

from similarity_samples import RENAMED, SAMPLES, notebook_with, template_plus_one_line

from grader import assignment as assignments
from grader.intake.prepare import prepare
from grader.results import similarity
from grader.similar import template_code

BPE = assignments.load("bpe")


def _code(path, sid=None) -> similarity.Code:
    prep = prepare(path, BPE)
    return similarity.Code(sid or path.stem, similarity.student_source(prep.extraction))


def test_only_the_students_own_lines_are_compared():
    source = _code(SAMPLES / "alice_regex.ipynb").source
    assert "def build_bpe" in source and "class BytePairEncoding" not in source  # the provided helper is not hers


def test_a_renamed_copy_ranks_above_unrelated_pairs(tmp_path):
    codes = [_code(SAMPLES / f"{name}.ipynb") for name in ("alice_regex", "carol_tiebreak", "ken_naive_replace")]
    codes += [_code(SAMPLES / "dave_script.py"), _code(notebook_with(tmp_path / "copy.ipynb", RENAMED))]
    pairs = similarity.compare(codes, template_code(BPE), threshold=0.01, min_overlap=1)
    assert {pairs[0].a, pairs[0].b} == {"alice_regex", "copy"}
    assert pairs[0].similarity > 0.8 and all(p.similarity < pairs[0].similarity for p in pairs[1:])
    shown = similarity.compare(codes, template_code(BPE))  # the defaults
    assert shown and {shown[0].a, shown[0].b} == {"alice_regex", "copy"}


def test_the_template_is_boilerplate_never_a_pair(tmp_path):
    one = _code(template_plus_one_line(tmp_path / "one.ipynb"))
    two = _code(template_plus_one_line(tmp_path / "two.ipynb"))
    template = _code(BPE.template, "template")
    assert one.source == two.source and "idx2word = [PAD" in one.source
    assert similarity.compare([one, two, template], template_code(BPE)) == []
    assert similarity.compare([one, two, template], template_code(BPE), threshold=0.01) == []


def test_segments_cover_the_source_once():
    source = "abcdefghij"
    parts = similarity.segments(source, ((2, 4), (3, 6), (8, 20)))
    assert "".join(t for t, _ in parts) == source
    assert [t for t, matched in parts if matched] == ["cd", "ef", "ij"]


def test_the_page_says_evidence_not_penalty_and_shows_hostile_code_as_text(tmp_path):
    hostile = "</pre><script>alert(1)</script>\x1b[2J"
    a = similarity.Code(f"<img src=x onerror=alert(1)>{hostile}", f"x = 1  # {hostile}\n")
    b = similarity.Code("bob", "y = 2\n")
    pair = similarity.Pair(a.submission_id, "bob", 0.9, 0.9, 0.9, 80, ((0, 5),), ((0, 3),))
    path = tmp_path / "similarity.html"
    similarity.write_html([pair], [a, b], path, "bpe", skipped=[(hostile, hostile)])
    html = path.read_text()
    assert "Evidence for a human, never a penalty." in html
    assert "<script>" not in html and "<img" not in html and "\x1b" not in html
    assert "&lt;script&gt;" in html and "<mark>" in html


def test_the_table_is_ranked_and_clean():
    pair = similarity.Pair("a\x1b[31m", "b", 0.75, 0.75, 0.5, 100, (), ())
    text = similarity.table([pair])
    assert "75%" in text and "\x1b" not in text
    assert similarity.table([]) == "no pair of submissions is unusually similar"


def test_bad_options_are_usage_errors(tmp_path):
    from grader.errors import UsageError
    from grader.similar import similar

    args = SimpleNamespace(assignment="bpe", threshold=1.5, min_overlap=75, out=tmp_path, paths=[SAMPLES])
    try:
        similar(args)
    except UsageError as exc:
        assert "--threshold" in exc.message
    else:
        raise AssertionError("a threshold above 1 was accepted")
