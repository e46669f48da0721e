"""`grader validate`: the tests are the product. Every assignment's reference and every correct alternative get
full marks, the template zero, every mutant loses points on a test that passes for the reference; a broken
test is named with its error."""
import shutil

import pytest

from conftest import ROOT, run_cli

ASSIGNMENTS = sorted(p.parent.name for p in (ROOT / "assignments").glob("*/assignment.toml"))


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_validate_every_assignment(name):
    proc = run_cli("validate", name)
    assert proc.returncode == 0, proc.stderr
    assert "(reference): " in proc.stderr and "BAD" not in proc.stderr
    alternatives = [line for line in proc.stderr.splitlines() if line.startswith("ok  alternative ")]
    mutants = [line for line in proc.stderr.splitlines() if line.startswith("ok  mutant ")]
    assert len(alternatives) >= 6, f"{name}: at least six correct alternatives are required"
    assert mutants and f"mutation score {len(mutants)}/{len(mutants)}" in proc.stderr


def test_a_broken_test_is_named_and_catches_nothing(tmp_path):
    for part in ("assignments", "reference"):
        shutil.copytree(ROOT / part / "transformer_masks", tmp_path / part / "transformer_masks")
    hidden = tmp_path / "reference" / "transformer_masks" / "tests" / "test_transformer_masks_hidden.py"
    text = hidden.read_text()
    first = text.index("def test_")
    body = text.index(":\n", first) + 2
    hidden.write_text(text[:body] + "    undefined_helper_typo()\n" + text[body:])
    proc = run_cli("validate", "transformer_masks", cwd=tmp_path)
    assert proc.returncode == 1
    assert "BAD (reference)" in proc.stderr and "NameError: name 'undefined_helper_typo' is not defined" in proc.stderr
    broken = text[first + 4:text.index("(", first)]
    assert any(line.strip().startswith(broken) and "(error)" in line for line in proc.stderr.splitlines())
    for line in proc.stderr.splitlines():
        if line.startswith("ok  mutant "):
            assert broken not in line.split("caught by")[1].split(", ")  # a broken test catches nothing
