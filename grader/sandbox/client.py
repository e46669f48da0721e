"""The parent's end of the sandbox: a warm zygote per worker and the cells forked from it.

:class:`Zygote` starts ``python -m grader.sandbox.inside.zygote`` once with a scrubbed environment; :meth:`Zygote.cell`
forks a :class:`Cell` in milliseconds. A cell call carries a deadline enforced here, from outside:
a late, garbled or oversized reply, a crash or an exit kills the cell and raises :class:`CellDied`,
which the tests report as a failure; the next call needs a fresh cell. Output is drained while
waiting and kept up to a cap; a flood kills the cell, and the call in progress fails (output that arrives
after a reply is noted in the output, never raised outside a call).

Every request carries a fresh random id and its reply must echo it: an unsolicited, stale or forged frame
kills the cell instead of shifting the channel. Text from the cell is decoded here, once (lone surrogates
replaced), and everything a cell sends is capped: bytes, header size, items, traceback frames, message size.
"""
from __future__ import annotations

import json
import os
import secrets
import selectors
import signal
import socket
import subprocess
import sys
import time
import weakref

from grader.errors import GraderError
from grader.sandbox import wire as _wire
from grader.sandbox.spec import CellSpec

MAX_REPLY_BYTES = 64 << 20
MAX_HEADER_BYTES = 16 << 20  # the JSON part of a reply (tensors and bytes travel as raw buffers)
MAX_ITEMS = 100_000  # values in one reply: list entries, strings, numbers
MAX_FRAMES = 30  # traceback frames kept from a student exception
MAX_MESSAGE = 4000  # characters of a student exception's message
KEEP_OUTPUT = 16 << 10
MAX_OUTPUT = 8 << 20


CALLABLE = object()  # the reply to an attribute read that names a method or function


class CellDied(Exception):
    """The cell crashed, exited, timed out, flooded output or broke the protocol."""

    def __init__(self, message: str, timed_out: bool = False):
        super().__init__(message)
        self.timed_out = timed_out


class StudentException(Exception):
    """An exception raised by student code inside the cell, as data (never re-raised from its object)."""

    def __init__(self, type_name: str, message: str, frames: tuple, dropped: int = 0):
        super().__init__(f"{type_name}: {message}")
        self.type_name, self.message = type_name, message
        self.frames = frames  # (file, line, function); file "<student>" for student code; the innermost last
        self.dropped = dropped  # outer frames not kept


class Zygote:
    """A warm interpreter with torch imported, forking cells on request."""

    def __init__(self, hash_seed: int = 0):
        self.hash_seed = hash_seed
        parent, child = socket.socketpair()
        env = {"PATH": "/usr/bin:/bin", "PYTHONHASHSEED": str(hash_seed), "OMP_NUM_THREADS": "1",
               "PYTHONDONTWRITEBYTECODE": "1", "LANG": "C.UTF-8", "PYTHONPATH": _package_root()}
        self.proc = subprocess.Popen([sys.executable, "-m", "grader.sandbox.inside.zygote", str(child.fileno())],
                                     pass_fds=[child.fileno()], env=env, cwd="/", stdin=subprocess.DEVNULL)
        child.close()
        self.control = parent
        self.reader = parent.makefile("rb")
        self.ready = False
        self.cells: weakref.WeakSet = weakref.WeakSet()  # live cells, killed when the zygote closes
        self.spare: tuple | None = None  # a cell requested ahead of time: (spec, channel, output pipe)

    def wait_ready(self) -> None:
        """Starting is asynchronous (so several zygotes import torch at once); the first cell waits."""
        if not self.ready:
            if self.reader.readline() != b"ready\n":
                raise GraderError("the sandbox zygote failed to start", hint="run `grader doctor` to see why")
            self.ready = True

    def cell(self, spec: CellSpec) -> "Cell":
        """A ready cell: the spare forked ahead of time when it was made for the same spec."""
        self.wait_ready()
        spare, self.spare = self.spare, None
        if spare is None or spare[0] != spec:
            if spare is not None:
                self._finish(spare).kill()
            spare = self._request(spec)
        cell = self._finish(spare)
        self.spare = self._request(spec)  # the next cell forks while this one is in use
        return cell

    def _request(self, spec: CellSpec) -> tuple:
        chan_parent, chan_child = socket.socketpair()
        out_r, out_w = os.pipe()
        try:
            socket.send_fds(self.control, [spec.to_json()], [chan_child.fileno(), out_w])
        finally:
            chan_child.close()
            os.close(out_w)
        return spec, chan_parent, out_r

    def _finish(self, pending: tuple) -> "Cell":
        spec, chan_parent, out_r = pending
        reply = json.loads(self.reader.readline() or b'{"error": "zygote gone"}')
        if "error" in reply or reply.get("pid", -1) <= 0:
            chan_parent.close()
            os.close(out_r)
            raise GraderError(f"could not start a sandboxed cell: {reply.get('error', 'no pid')}")
        cell = Cell(reply["pid"], chan_parent, out_r, spec.start_timeout)
        self.cells.add(cell)
        return cell

    def close(self) -> None:
        if self.spare is not None:
            try:
                self._finish(self.spare).kill()
            except (GraderError, CellDied, OSError, ValueError):
                pass
            self.spare = None
        for cell in list(self.cells):
            cell.kill()
        self.reader.close()  # the makefile holds the socket open too: both, so the zygote sees EOF
        self.control.close()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _package_root() -> str:
    """The folder holding this ``grader`` package, so cells run this very copy (not one installed elsewhere)."""
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Cell:
    """One sandboxed child serving calls; every method that talks to it may raise CellDied."""

    def __init__(self, pid: int, sock: socket.socket, out_fd: int, start_timeout: float):
        self.pid, self.sock, self.out_fd = pid, sock, out_fd
        self.alive = True
        self.student_seconds = 0.0  # as reported by the cell: for benchmarks only, never for grading
        self.output = bytearray()
        self.output_total = 0
        self.flooded = False
        self.sock.setblocking(False)
        os.set_blocking(out_fd, False)
        header, _ = self._recv(time.monotonic() + start_timeout, "starting the sandbox")
        names = header.get("protections")
        self.protections: tuple[str, ...] = tuple(_wire.text(p)[:40] for p in (names if type(names) is list else [])
                                                  if type(p) is str)[:40]

    # -- public calls
    def request(self, header: dict, buffers: list[bytes], timeout: float, what: str):
        """Send one request, wait for its reply; returns the decoded value or raises."""
        if not self.alive:
            raise CellDied("the sandbox was already stopped")
        deadline = time.monotonic() + timeout
        request_id = secrets.randbits(52)
        self._send(_wire.pack(dict(header, id=request_id), buffers), deadline, what)
        reply, replies = self._recv(deadline, what)
        if reply.get("re") != request_id or type(reply.get("re")) is not int:
            self._died(what, "sent a reply that does not answer the request (something wrote to the grader's "
                             "channel: an unsolicited, stale or forged frame)")
        if type(reply.get("t")) is float and 0 <= reply["t"] < 1e6:
            self.student_seconds += reply["t"]
        if reply.get("ok") is True:
            if reply.get("callable") is True and header.get("op") == "getattr":
                return CALLABLE
            try:
                return _wire.decode(reply.get("value"), replies, max_items=MAX_ITEMS)
            except _wire.ProtocolError as exc:
                self._died(what, f"sent a malformed reply: it {exc}" if str(exc).startswith("returned ")
                           else f"sent a malformed reply ({exc})")
        raise self._student_exception(reply, what)

    def _student_exception(self, reply: dict, what: str) -> "StudentException":
        """The student's exception from an error reply, checked field by field; anything else kills the cell."""
        error = reply.get("error")
        if reply.get("ok") is not False or type(error) is not dict:
            self._died(what, "sent a malformed reply (neither a value nor an error)")
        kind, message, frames = error.get("type"), error.get("message"), error.get("frames")
        if (type(kind) is not str or type(message) is not str or type(frames) is not list
                or not all(type(f) is list and len(f) == 3 and type(f[0]) is str and type(f[1]) is int
                           and type(f[2]) is str for f in frames)):
            self._died(what, "sent a malformed error reply (type, message and frames are not as the grader sent "
                             "them: something wrote to the grader's channel)")
        kept = tuple((_wire.text(f[0][:200]), f[1], _wire.text(f[2][:200])) for f in frames[-MAX_FRAMES:])
        return StudentException(_wire.text(kind[:200]) or "Exception", _wire.text(message[:MAX_MESSAGE]), kept,
                                len(frames) - len(kept))

    def take_output(self) -> str:
        """What the cell printed since the last call to this (capped); never raises."""
        self._drain()
        text = self.output.decode("utf-8", "replace")
        if self.output_total > len(self.output):
            text += f"\n… ({self.output_total - len(self.output)} more bytes of output not shown)"
        if self.flooded:
            text += f"\n… (the sandbox was stopped: it printed more than {MAX_OUTPUT >> 20} MiB of output)"
        self.output.clear()
        self.output_total = 0
        return text

    def kill(self) -> None:
        if self.alive:
            self.alive = False
            for target in (self.pid, -self.pid):
                try:
                    os.kill(target, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            self.sock.close()
            try:
                self._drain()
            finally:
                os.close(self.out_fd)
                self.out_fd = -1  # the number may be reused at once: never read it again

    # -- plumbing
    def _send(self, data: bytes, deadline: float, what: str) -> None:
        view = memoryview(data)
        with selectors.DefaultSelector() as sel:
            sel.register(self.sock, selectors.EVENT_WRITE)
            sel.register(self.out_fd, selectors.EVENT_READ)
            while view:
                self._wait(sel, deadline, what)
                try:
                    view = view[self.sock.send(view):]
                except BlockingIOError:
                    continue
                except OSError:
                    self._died(what, "stopped while receiving its input")

    def _recv(self, deadline: float, what: str):
        with selectors.DefaultSelector() as sel:
            sel.register(self.sock, selectors.EVENT_READ)
            sel.register(self.out_fd, selectors.EVENT_READ)
            try:
                return _wire.read_frame(lambda n: self._read(sel, n, deadline, what), MAX_REPLY_BYTES,
                                        MAX_HEADER_BYTES)
            except _wire.ProtocolError as exc:
                self._died(what, f"sent a malformed reply ({exc})")

    def _read(self, sel, n: int, deadline: float, what: str) -> bytes:
        buf = bytearray()
        while len(buf) < n:
            self._wait(sel, deadline, what)
            try:
                chunk = self.sock.recv(min(n - len(buf), 1 << 20))
            except BlockingIOError:
                continue
            except OSError:
                chunk = b""
            if not chunk:
                self._died(what, "stopped before replying (it crashed or exited)")
            buf += chunk
        return bytes(buf)

    def _wait(self, sel, deadline: float, what: str) -> None:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self._died(what, "did not finish in time (is there an infinite loop, or a call that waits?)",
                           timed_out=True)
            events = sel.select(left)
            if any(key.fileobj == self.out_fd for key, _ in events):
                self._drain()
                if self.flooded:
                    self._died(what, f"printed more than {MAX_OUTPUT >> 20} MiB of output")
            if any(key.fileobj is self.sock for key, _ in events):
                return

    def _drain(self) -> None:
        """Read what is waiting on the output pipe, keeping the first KEEP_OUTPUT bytes. Never raises: past
        MAX_OUTPUT the cell is killed and marked ``flooded`` (a call in progress then fails in :meth:`_wait`)."""
        while self.out_fd >= 0 and not self.flooded:
            try:
                chunk = os.read(self.out_fd, 1 << 16)
            except OSError:  # BlockingIOError included: nothing more for now
                return
            if not chunk:
                return
            self.output_total += len(chunk)
            room = KEEP_OUTPUT - len(self.output)
            if room > 0:
                self.output += chunk[:room]
            if self.output_total > MAX_OUTPUT:
                self.flooded = True
                self.kill()

    def _died(self, what: str, why: str, timed_out: bool = False):
        self.kill()
        raise CellDied(f"{what}: the code {why}", timed_out) from None
