"""Recorded reference answers: what a public test asks the reference at release is answered the same on a
student's machine, from JSON data only; a question never recorded is a loud test-author error."""
import json

import pytest
import torch

from grader import assignment
from grader.student import replay
from grader.errors import UsageError
from grader.testing import attention as ac


def _record(tmp_path):
    tape = replay.Tape("mha")
    ref = replay.recorder(assignment.load("mha").load_reference(), tape)
    module = ac.build_reference(ref, 16, 4, seed=3)
    state = module.state_dict()
    x = torch.randn(1, 3, 16, generator=torch.Generator().manual_seed(0))
    out = module(x, x, x)
    after = torch.randn(2)  # the global generator continues where the reference left it
    path = tmp_path / replay.FILENAME
    tape.dump(path)
    return path, state, out, after, x


def test_replay_answers_like_the_reference(tmp_path):
    path, state, out, after, x = _record(tmp_path)
    ref = replay.replayer(replay.Tape.load(path))
    module = ac.build_reference(ref, 16, 4, seed=3)
    again = module.state_dict()
    assert again.keys() == state.keys() and all(torch.equal(again[k], state[k]) for k in state)
    assert torch.equal(module(x, x, x), out)
    assert torch.equal(torch.randn(2), after)
    assert ref.d_model == 16


def test_a_question_not_recorded_is_loud(tmp_path):
    path, *_ = _record(tmp_path)
    tape = replay.Tape.load(path)
    module = ac.build_reference(replay.replayer(tape), 16, 4, seed=3)
    module.state_dict()
    with pytest.raises(replay.NotRecorded, match="do not cover"):
        module(torch.zeros(1, 3, 16), torch.zeros(1, 3, 16), torch.zeros(1, 3, 16))
    with pytest.raises(replay.NotRecorded):
        ac.build_reference(replay.replayer(tape), 32, 4, seed=3)  # other sizes were never asked
    assert tape.misses


def test_the_file_is_data_only(tmp_path):
    path, *_ = _record(tmp_path)
    text = path.read_text()
    data = json.loads(text)
    assert data["format"] == replay.FORMAT
    import nbformat

    nb = nbformat.read(assignment.load("mha").solution, as_version=4)
    lines = {line.strip() for c in nb.cells if c.cell_type == "code" for line in c.source.split("\n")}
    assert not [line for line in lines if len(line) >= 12 and line in text]


def test_nondeterministic_answers_are_refused():
    tape = replay.Tape("x")
    tape.put("k", {"rng": None, "value": 1, "buffers": []}, "`reference.f(...)`")
    with pytest.raises(UsageError, match="differently on two runs"):
        tape.put("k", {"rng": None, "value": 2, "buffers": []}, "`reference.f(...)`")
