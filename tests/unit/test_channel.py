"""The parent's end of the channel is total: ids, caps, surrogates, late output, student-vs-test verdicts."""
import json
import os
import struct

import pytest
import torch

from grader.harness import outcomes
from grader.results import export, report
from grader.results.records import FAILED, SubmissionResult, TestResult
from grader.sandbox import cell as client
from grader.sandbox import wire as _wire
from grader.sandbox.budget import CpuClock


def frame(header: dict, *buffers: bytes) -> bytes:
    raw = json.dumps(dict(header, buffers=[len(b) for b in buffers])).encode()
    return struct.pack(">I", len(raw)) + raw + b"".join(buffers)


def reader(data: bytes):
    view = memoryview(data)

    def read(n):
        nonlocal view
        chunk, view = bytes(view[:n]), view[n:]
        return chunk
    return read


def test_the_cell_echoes_the_request_it_answers():
    _wire.read_frame(reader(_wire.pack({"op": "call", "id": 42}, [])))  # the cell's end reads a request
    try:
        reply, _ = _wire.read_frame(reader(_wire.pack({"ok": True, "value": 1}, [])), 1 << 20)
        assert reply["re"] == 42
        request, _ = _wire.parse_header(_wire.pack({"op": "probe", "id": 7}, [])[4:])
        assert "re" not in request  # requests are never stamped
    finally:
        _wire._ANSWERING["id"] = None


def test_lone_surrogates_are_replaced_once_at_the_boundary():
    header, _ = _wire.parse_header(json.dumps({"v": ["ok", "\ud800x", {"$dict": [["\udfff", 1]]}]}).encode())
    assert _wire.decode(header["v"], []) == ["ok", "\ufffdx", {"\ufffd": 1}]
    "".join(_wire.decode(header["v"][:2], [])).encode("utf-8")


def test_replies_are_capped_in_items_and_buffers_are_used_once():
    with pytest.raises(_wire.ProtocolError, match="more than 1000 items"):
        _wire.decode([str(i) for i in range(1001)], [], max_items=1000)
    assert len(_wire.decode([str(i) for i in range(999)], [], max_items=1000)) == 999
    with pytest.raises(_wire.ProtocolError, match="used twice"):
        _wire.decode([{"$bytes": 0}, {"$bytes": 0}], [b"x" * 100])


@pytest.mark.parametrize("shape", [[0, 2 ** 70], [0, 2 ** 40, 2 ** 40], [0] + [1] * 20, [-1]])
def test_tensor_headers_out_of_range_are_protocol_errors(shape):
    with pytest.raises(_wire.ProtocolError):
        _wire.decode({"$tensor": 0, "dtype": "float32", "shape": shape}, [b""])


def test_bool_tensors_hold_only_booleans():
    t = _wire.decode({"$tensor": 0, "dtype": "bool", "shape": [3]}, [b"\x00\x01\x07"])
    assert t.dtype == torch.bool and t.tolist() == [False, True, True]


def fake_cell(data: bytes, monkeypatch) -> client.Cell:
    monkeypatch.setattr(client, "MAX_OUTPUT", 1000)
    r, w = os.pipe()
    os.write(w, data)
    os.close(w)
    os.set_blocking(r, False)
    cell = object.__new__(client.Cell)
    a, b = __import__("socket").socketpair()
    b.close()
    cell.pid, cell.sock, cell.out_fd, cell.alive = 2 ** 22 + 12345, a, r, True  # a pid that does not exist
    cell.output, cell.output_total, cell.flooded, cell.student_seconds = bytearray(), 0, False, 0.0
    cell.cpu_clock, cell.sel, cell.outstanding = CpuClock(cell.pid, None), None, False
    return cell


def test_output_past_the_cap_after_a_reply_is_noted_never_raised(monkeypatch):
    cell = fake_cell(b"\xff" + b"x" * 3000, monkeypatch)
    text = cell.take_output()  # once: CellDied inside pytest's report hook (INTERNAL_ERROR)
    assert "printed more than" in text and text.startswith("\ufffd") and not cell.alive
    assert cell.take_output() == "\n… (the sandbox was stopped: it printed more than 0 MiB of output)"


def test_a_forged_error_reply_kills_the_cell(monkeypatch):
    cell = fake_cell(b"", monkeypatch)
    with pytest.raises(client.CellDied, match="malformed error reply"):
        raise cell._student_exception({"ok": False, "error": {"type": "X", "message": "m", "frames": 5}}, "call")
    assert not cell.alive


def test_student_exceptions_keep_the_innermost_frames(monkeypatch):
    cell = fake_cell(b"", monkeypatch)
    frames = [["<student>", i, "f\ud800"] for i in range(100)]
    exc = cell._student_exception({"ok": False, "error": {"type": "E", "message": "m" * 10 ** 5,
                                                          "frames": frames}}, "call")
    assert len(exc.frames) == client.MAX_FRAMES and exc.frames[-1] == ("<student>", 99, "f\ufffd")
    assert exc.dropped == 100 - client.MAX_FRAMES and len(exc.message) == client.MAX_MESSAGE


def _raise_in_grader():
    _wire.decode({"$nonsense": 1, "a": 2, "b": 3, "c": 4}, [])


def test_grader_code_failing_on_student_data_is_the_students_failure():
    with pytest.raises(_wire.ProtocolError) as info:
        _raise_in_grader()
    v = outcomes.verdict(info.value, "call", "traceback")
    assert v.outcome == FAILED and "could not check what your code returned" in v.message
    assert outcomes.verdict(KeyError("typo"), "call", "t").outcome == outcomes.ERROR  # no grader frame


def test_hidden_bare_asserts_do_not_show_expected_values():
    v = outcomes.verdict(AssertionError("assert ['secret'] == ['x']"), "call", "", hidden=True)
    assert v.outcome == FAILED and "secret" not in v.message and "secret" in v.detail
    assert "secret" in outcomes.verdict(AssertionError("assert ['secret'] == ['x']"), "call", "").message


def _result(**kw) -> SubmissionResult:
    test = TestResult("test_x", "", "hidden", 0.0, 1.0, outcomes.ERROR, outcomes.GRADER_ERROR_MESSAGE,
                      detail="def test_x(student):\n    assert HIDDEN_SOURCE", output="bad \ud800")
    return SubmissionResult("alice", "bpe", "/srv/inputs/alice.ipynb", "h", "s", "grader_error", 0.0, 1.0,
                            tests=(test,), **kw)


def test_the_student_page_has_no_instructor_detail_and_the_instructor_page_has_it(tmp_path):
    r = _result()
    report.write_submission_report(r, tmp_path / "report.html")
    student = (tmp_path / "report.html").read_text() + json.dumps(export.gradescope(r))
    assert "HIDDEN_SOURCE" not in student and "/srv/inputs" not in student and "instructor.html" not in student
    instructor = (tmp_path / "instructor.html").read_text()
    assert "HIDDEN_SOURCE" in instructor and "/srv/inputs/alice.ipynb" in instructor
    export.write_gradescope(r, tmp_path / "results.json")  # a surrogate in the record still encodes
    from grader.results import dashboard

    dashboard.write(tmp_path, [r], report.env(), lambda a, sid: report.safe_dirname(sid))
    assert "alice/instructor.html" in (tmp_path / "bpe" / "index.html").read_text()


@pytest.mark.parametrize("lane", ["hook", "quick"])
def test_the_parent_side_work_of_a_test_has_a_deadline(monkeypatch, lane):
    """Both ways a test's call runs: pytest's pytest_runtest_call hook, and the quick lane's GradingPlugin.calling."""
    import signal
    import time

    from grader.harness import plugin

    monkeypatch.setattr(plugin, "COMPARE_CPU_SECONDS", 0.2)

    def spin():
        started = time.process_time()
        while time.process_time() - started < 5:
            pass

    with pytest.raises(outcomes.ComparisonTimeout, match="more than 0.2 s of CPU"):
        if lane == "hook":
            hook = plugin.GradingPlugin.pytest_runtest_call(None, None)
            next(hook)  # armed, as around a test's call
            try:
                spin()
            finally:
                hook.close()
        else:
            plugin.GradingPlugin.calling(None, spin)
    assert signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0)  # disarmed
    assert outcomes.verdict(outcomes.ComparisonTimeout("x"), "call", "").outcome == FAILED


@pytest.mark.parametrize("module", ["cell", "client", "wire", "budget"])
def test_the_deadline_waits_while_the_sandbox_client_is_on_the_stack(monkeypatch, module):
    """SIGPROF inside the client would leave the channel half-read: it is re-armed for later instead. The cell's
    code moved from client.py to cell.py, and the deferral did not follow it (a test past its deadline while
    reading a reply got ComparisonTimeout mid-frame)."""
    import importlib
    import signal
    from types import SimpleNamespace

    from grader.harness import plugin

    armed = []
    monkeypatch.setattr(plugin.signal, "setitimer", lambda which, seconds: armed.append(seconds))
    inner = SimpleNamespace(f_code=SimpleNamespace(co_filename=importlib.import_module(f"grader.sandbox.{module}")
                                                   .__file__), f_back=None)
    plugin._deadline(signal.SIGPROF, SimpleNamespace(f_code=SimpleNamespace(co_filename=__file__), f_back=inner))
    assert armed == [0.05]
    with pytest.raises(outcomes.ComparisonTimeout):  # the test's own comparison, no client below it: it stops
        plugin._deadline(signal.SIGPROF, SimpleNamespace(f_code=SimpleNamespace(co_filename=__file__), f_back=None))


def test_the_cpu_clock_reads_one_open_file_and_keeps_its_last_reading_once_closed():
    clock = CpuClock(os.getpid(), None)
    first = clock()
    sum(range(200_000))
    assert clock() >= first > 0 and clock.fd is not None
    clock.close()
    assert clock.fd is None and clock() == clock.last  # the cell is gone: its last reading stands
    gone = CpuClock(2 ** 22 + 12345, None)  # a pid that does not exist
    assert gone() == 0.0


class _Clock:
    """A cell's clocks, as Budget reads them: CPU seconds, and seconds its main thread waited for a CPU."""

    def __init__(self):
        self.cpu = self.wait = 0.0

    def __call__(self):
        return self.cpu

    def waited(self):
        return self.wait


@pytest.mark.parametrize("cpu, wait, overloaded, starved", [
    (0.0, 0.0, False, False),  # it slept past the wall guard: its own doing
    (0.4, 0.2, False, False),  # slow, and hardly waited for a CPU
    (0.4, 1.0, False, True),  # waited for a CPU a third of the time: a neighbour's threads on its core
    (0.0, 0.0, True, True),  # the host was overloaded
])
def test_a_wall_guard_stop_is_starved_only_when_the_cell_could_not_get_a_cpu(monkeypatch, cpu, wait, overloaded,
                                                                            starved):
    from grader.sandbox import budget, hostlock

    monkeypatch.setattr(hostlock, "overloaded", lambda: overloaded)
    clock = _Clock()
    clock.wait = 5.0  # waited before this call: not this call's
    b = budget.Budget(1.0, clock)
    b.start -= 3.0  # 3 s of wall time have passed: past the guard (1.5 x 1 s + 1 s)
    b.guard -= 3.0
    clock.cpu, clock.wait = cpu, 5.0 + wait
    assert b.left() is None and b.why == "wall"
    assert b.starved() is starved
