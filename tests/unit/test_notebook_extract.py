"""Reading notebooks and extracting what is graded: magics, closure, provenance, failures as statuses."""
import pytest

from grader.intake import notebook
from grader.errors import SubmissionError
from grader.intake.extract import extract
from grader.intake.notebook import Cell

from conftest import write_notebook


def cells(*sources):
    return tuple(Cell(i, s) for i, s in enumerate(sources, start=1))


def test_magics_become_python_keeping_line_numbers():
    out = notebook.strip_ipython(cells("!pip install x\nimport os\n%matplotlib inline\nx = !ls\nos?",
                                       "%%bash\necho hi", "%%time\ndef f():\n    return 1"))
    assert [c.number for c in out] == [1, 3]
    assert out[0].source.split("\n")[1] == "import os"
    assert len(out[0].source.split("\n")) == 5
    assert "pip" not in out[0].source and "matplotlib" not in out[0].source
    assert out[1].source.split("\n")[1:] == ["def f():", "    return 1"]


def test_closure_keeps_what_is_needed_and_never_top_level_side_effects():
    ex = extract(cells("import torch\nimport os\nfrom collections import Counter\nresult = f([1])",
                       "def helper(x):\n    return Counter(x)\n\ndef f(x):\n    result = helper(x)\n    return result\n"
                       "print(f([2]))\nwhile True:\n    pass",
                       "UNUSED = os.system('rm -rf /')"), ("f",))
    assert "def f" in ex.source and "def helper" in ex.source and "from collections import Counter" in ex.source
    for absent in ("import torch", "import os", "print(", "while True", "result = f", "UNUSED"):
        assert absent not in ex.source


def test_last_definition_wins_and_lines_map_to_cells():
    ex = extract(cells("def f():\n    return 1", "x = 1", "def f():\n    return 2"), ("f",))
    namespace = {}
    exec(ex.source, namespace)
    assert namespace["f"]() == 2
    last = ex.source.split("\n").index("    return 2") + 1
    assert ex.locate(last) == "cell 3, line 2"


def test_constants_in_if_blocks_and_class_bases_are_followed():
    ex = extract(cells("import torch.nn as nn\nif True:\n    D = 4\nelse:\n    D = 8",
                       "class M(nn.Module):\n    size = D\n"), ("M",))
    assert "import torch.nn as nn" in ex.source and "D = 4" in ex.source


def test_provided_helpers_replace_the_students():
    ex = extract(cells("class Helper:\n    PAD = 'WRONG'", "def f():\n    return Helper.PAD"), ("f",),
                 provided="class Helper:\n    PAD = '<pad>'", provided_names=frozenset({"Helper"}))
    namespace = {}
    exec(ex.source, namespace)
    assert namespace["f"]() == "<pad>"
    assert ex.locate(1) == "provided helper, line 1"


def test_missing_symbol_is_a_status_naming_the_syntax_error():
    with pytest.raises(SubmissionError) as info:
        extract(cells("def build_bpe(:\n    pass"), ("build_bpe",))
    assert info.value.status == "missing_symbol"
    assert "`build_bpe` is not defined" in info.value.message and "cell 1 has a syntax error" in info.value.message


def test_syntax_error_elsewhere_is_a_warning():
    ex = extract(cells("def f():\n    return 1", "for i in range(3)\n    print(i)"), ("f",))
    assert ex.warnings == ("cell 2 has a syntax error (line 1: expected ':'); it was skipped",)


def test_invalid_notebooks_are_statuses(tmp_path):
    bad = tmp_path / "bad.ipynb"
    bad.write_text('{"cells": [')
    with pytest.raises(SubmissionError) as info:
        notebook.read(bad)
    assert info.value.status == "invalid" and "not a valid Jupyter notebook" in info.value.message
    good = write_notebook(tmp_path / "good.ipynb", "x = 1", "def f():\n    return x")
    assert [c.number for c in notebook.read(good).cells] == [1, 2]


def test_ipython_syntax_is_transformed_by_ipython_keeping_continuations():
    src = "def f(a, b):\n    return (a\n%b)\n%timeit f(1, 2)\nfiles = !ls\nlen?"
    out = notebook.strip_ipython(cells(src))[0].source.split("\n")
    assert out[:3] == ["def f(a, b):", "    return (a", "%b)"]  # a modulo continuing an expression
    assert all(line.startswith("pass") for line in out[3:])  # top-level magics never run
    assert extract(notebook.strip_ipython(cells(src)), ("f",)).source.count("%b)") == 1


def test_a_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "bom.py"
    path.write_bytes("\ufeffdef build_bpe(corpus, n):\n    return []\n".encode())
    sub = notebook.read(path)
    assert "build_bpe" in extract(sub.cells, ("build_bpe",)).source


def test_a_name_spelled_differently_is_graded_with_a_note():
    ex = extract(cells("class MultiHeadAttention:\n    pass"), ("MultiheadAttention",))
    assert ex.source.rstrip().endswith("MultiheadAttention = MultiHeadAttention")
    assert any("graded as `MultiheadAttention`" in w for w in ex.warnings)
    assert ex.missing == ()


def test_a_missing_symbol_fails_only_its_tests_and_says_where_the_near_miss_is():
    ex = extract(cells("def make_padding_mask(b, pad):\n    return (b != pad).unsqueeze(1)",
                       "nopeak_mask = torch.tril(torch.ones(1, 10, 10)).bool()"),
                 ("make_padding_mask", "make_nopeak_mask"))
    assert "def make_padding_mask" in ex.source
    note = ex.why_missing("make_nopeak_mask")
    assert "cell 2 builds a top-level `nopeak_mask = torch.tril" in note
    assert ex.why_missing("make_padding_mask") is None
    with pytest.raises(SubmissionError) as err:
        extract(cells("def build_BPEs(c, n):\n    return []"), ("build_bpe",))
    assert err.value.status == "missing_symbol" and "did you mean `build_BPEs`" in err.value.message


def test_unparseable_cells_are_warnings_not_crashes():
    ex = extract(cells("x = " + "1+" * 200_000 + "1", "y = 'a\x00b'", "def f():\n    return 1"), ("f",))
    assert "def f" in ex.source and len(ex.warnings) == 2
