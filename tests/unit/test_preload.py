"""What the zygotes import before forking: the assignment's ``preload``, plus what a student's code imports of it."""
import pytest

from grader import assignment
from grader.errors import UsageError
from grader.harness.session import with_imports
from grader.sandbox.spec import CellSpec


def test_bpe_preloads_nothing_and_attention_preloads_torch():
    assert assignment.load("bpe").preload == ()
    assert assignment.load("mha").preload == ("torch",)


def test_preload_outside_the_allowed_modules_is_a_usage_error(tmp_path):
    folder = tmp_path / "assignments" / "x"
    folder.mkdir(parents=True)
    (folder / "assignment.toml").write_text('symbols = ["f"]\npreload = ["subprocess"]\n')
    with pytest.raises(UsageError, match="preload must be a list of numpy, torch"):
        assignment.load("x", tmp_path)


@pytest.mark.parametrize("source, wanted", [
    ("import torch\ndef f(): pass\n", ("torch",)),
    ("from torch import nn\n", ("torch",)),
    ("import numpy as np, torch.nn.functional as F\n", ("numpy", "torch")),
    ("def f():\n    import numpy\n", ("numpy",)),
])
def test_a_notebook_that_imports_torch_gets_it_preloaded(source, wanted):
    assert with_imports(CellSpec(), source).preload == wanted


@pytest.mark.parametrize("source", [
    "# no torch here, only a comment about torch\ndef f(): return 'torch'\n",
    "from .torch import x\n",  # a relative import is not the installed package
    "import torchvision_like\n",
    "def broken(:\n  import torch\n",  # unparseable: nothing asked (the load reports the syntax error)
])
def test_mentions_and_lookalikes_preload_nothing(source):
    assert with_imports(CellSpec(), source).preload == ()


def test_what_the_assignment_preloads_is_kept():
    assert with_imports(CellSpec(preload=("torch",)), "import numpy\n").preload == ("numpy", "torch")


def test_check_runs_an_assignment_without_torch_on_the_cpu_even_where_there_is_a_gpu(monkeypatch):
    """`grader check --device auto` resolves the device as `grade` does: BPE preloads no torch, so its cells run on
    the CPU (a CUDA cell would import torch itself, after its protections, in every cell)."""
    import argparse

    import torch

    from grader.harness import runner
    from grader.student import check

    class Stop(Exception):
        pass

    seen = []

    def context(run):
        seen.append(run.device)
        raise Stop

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(runner, "Context", context)
    notebook = assignment.project_root() / "submissions" / "bpe" / "alice_regex.ipynb"
    args = argparse.Namespace(notebook=notebook, assignment="bpe", bundle=None, device="auto")
    with pytest.raises(Stop):
        check.check(args)
    assert seen == ["cpu"]
