"""A cell as the parent sees it: requests with a budget, strict replies, capped output, and how it dies.

Every request carries a fresh random id and its reply must echo it: an unsolicited, stale or forged frame
kills the cell instead of shifting the channel. Text from the cell is decoded here, once (lone surrogates
replaced), and everything a cell sends is capped: bytes, header size, items, traceback frames, message size.
A late, garbled or oversized reply, a crash or an exit kills the cell and raises :class:`CellDied`.
"""
from __future__ import annotations

import os
import secrets
import selectors
import signal
import socket
from dataclasses import dataclass

from grader.sandbox import hostlock
from grader.sandbox import wire as _wire
from grader.sandbox.budget import Budget, CpuClock

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

    def __init__(self, message: str, timed_out: bool = False, starved: bool = False):
        super().__init__(message)
        self.timed_out = timed_out
        self.starved = starved  # timed out on the wall-clock guard while the host was overloaded


class StudentException(Exception):
    """An exception raised by student code inside the cell, as data (never re-raised from its object)."""

    def __init__(self, type_name: str, message: str, frames: tuple, dropped: int = 0):
        super().__init__(f"{type_name}: {message}")
        self.type_name, self.message = type_name, message
        self.frames = frames  # (file, line, function); file "<student>" for student code; the innermost last
        self.dropped = dropped  # outer frames not kept



class Overdue(Exception):
    """A request sent ahead was answered, or not yet, only after its budget had run out (see ``Cell.collect``)."""


@dataclass(frozen=True)
class Pending:
    """A request sent and not yet answered: the id its reply must echo, and its budget from the sending."""

    request_id: int
    op: str | None
    what: str
    budget: Budget


class Cell:
    """One sandboxed child serving calls; every method that talks to it may raise CellDied."""

    def __init__(self, pid: int, sock: socket.socket, out_fd: int, start_timeout: float, cpu_file: str | None = None):
        self.pid, self.sock, self.out_fd = pid, sock, out_fd
        self.cpu_clock = CpuClock(pid, cpu_file)  # a call's budget is the cell's CPU time (wall-clock guards it)
        self.alive = True
        self.student_seconds = 0.0  # as reported by the cell: for benchmarks only, never for grading
        self.output = bytearray()
        self.output_total = 0
        self.flooded = False
        self.outstanding = False  # a request sent (submit) whose reply is not read yet
        self.inbox = bytearray()  # read from the channel, not yet taken by a reply
        self.sel: selectors.BaseSelector | None = None
        self.sock.setblocking(False)
        os.set_blocking(out_fd, False)
        header, _ = self._recv(Budget(start_timeout), "starting the sandbox")
        names = header.get("protections")
        self.protections: tuple[str, ...] = tuple(_wire.text(p)[:40] for p in (names if type(names) is list else [])
                                                  if type(p) is str)[:40]
        self.timings = header.get("timings") if type(header.get("timings")) is dict else {}  # benchmarks only

    # -- public calls
    def request(self, header: dict, buffers: list[bytes], timeout: float, what: str):
        """Send one request, wait for its reply; returns the decoded value or raises."""
        with hostlock.calling():
            pending = self.submit(header, buffers, timeout, what)
            reply, replies = self._recv(pending.budget, what)
        return self._value(pending, reply, replies)

    def submit(self, header: dict, buffers: list[bytes], timeout: float, what: str) -> "Pending":
        """Send a request without waiting for its reply (:meth:`collect` reads it); one may be outstanding.
        A request sent ahead (a submission's code, loaded while the previous submission is graded) runs outside
        :func:`hostlock.calling`: only the wait for its reply is inside."""
        if not self.alive:
            raise CellDied("the sandbox was already stopped")
        if self.outstanding:
            raise RuntimeError("a request to this cell is still unanswered")  # a harness bug, never a student's
        pending = Pending(secrets.randbits(52), header.get("op"), what, Budget(timeout, self.cpu_clock))
        self._send(_wire.pack(dict(header, id=pending.request_id), buffers), pending.budget, what)
        self.outstanding = True
        return pending

    def collect(self, pending: "Pending", timeout: float, ahead: bool = False):
        """The reply to a request sent with :meth:`submit`: its budget counts the cell's CPU time from the
        sending, and wall-clock time from now. ``ahead`` (sent long before, while the parent was busy elsewhere:
        a load made ready during the previous submission's tests): both count from the sending, and where the
        reply may have come only after they ran out (read past them, or the wall guard passed: a load that
        sleeps, or one slowed by the neighbour's cell) the cell is killed and :class:`Overdue` raised, to send
        it again and wait, as alone. Its CPU time running out before any reply is its own timeout."""
        budget = Budget(timeout, self.cpu_clock, pending.budget.cpu0, pending.budget.start if ahead else None,
                        pending.budget.wait0 if ahead else None)
        with hostlock.calling():
            try:
                reply, replies = self._recv(budget, pending.what)
            except CellDied as exc:
                if ahead and exc.timed_out and budget.why == "wall":
                    raise Overdue(pending.what) from None
                raise
            if ahead and budget.left() is None:
                self.kill()
                raise Overdue(pending.what)
        return self._value(pending, reply, replies)

    def _value(self, pending: "Pending", reply: dict, replies: list):
        self.outstanding = False
        what = pending.what
        if reply.get("re") != pending.request_id or type(reply.get("re")) is not int:
            self._died(what, "sent a reply that does not answer the request (something wrote to the grader's "
                             "channel: an unsolicited, stale or forged frame)")
        if type(reply.get("t")) is float and 0 <= reply["t"] < 1e6:
            self.student_seconds += reply["t"]
        if reply.get("ok") is True:
            if reply.get("callable") is True and pending.op == "getattr":
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
            if self.sel is not None:
                self.sel.close()
                self.sel = None
            self.sock.close()
            self.cpu_clock.close()
            try:
                self._drain()
            finally:
                os.close(self.out_fd)
                self.out_fd = -1  # the number may be reused at once: never read it again

    # -- plumbing
    def _send(self, data: bytes, deadline: Budget, what: str) -> None:
        view = memoryview(data)
        try:  # a request usually fits in the socket's buffer: no selector, no wait
            view = view[self.sock.send(view):]
        except BlockingIOError:
            pass
        except OSError:
            self._died(what, "stopped while receiving its input")
        if not view:
            return
        sel = self._selector(selectors.EVENT_WRITE)
        while view:
            self._wait(sel, deadline, what)
            try:
                view = view[self.sock.send(view):]
            except BlockingIOError:
                continue
            except OSError:
                self._died(what, "stopped while receiving its input")

    def _recv(self, deadline: Budget, what: str):
        sel = self._selector(selectors.EVENT_READ)
        try:
            return _wire.read_frame(lambda n: self._read(sel, n, deadline, what), MAX_REPLY_BYTES, MAX_HEADER_BYTES)
        except _wire.ProtocolError as exc:
            self._died(what, f"sent a malformed reply ({exc})")

    def _selector(self, events: int) -> selectors.BaseSelector:
        """The cell's one selector (made once: a selector per request was four system calls), watching the
        channel for ``events`` and the output pipe for reading."""
        if self.sel is None:
            self.sel = selectors.DefaultSelector()
            self.sel.register(self.sock, events)
            self.sel.register(self.out_fd, selectors.EVENT_READ)
        elif self.sel.get_key(self.sock).events != events:
            self.sel.modify(self.sock, events)
        return self.sel

    def _read(self, sel, n: int, deadline: Budget, what: str) -> bytes:
        """``n`` bytes of the reply. Whatever the channel holds is read in one call into ``inbox`` (a frame's
        length, header and buffers usually arrive together): wait (deadline and output checked) while it is short.
        Bytes past this frame stay there for the next reply, whose id then does not match: a cell that sent an
        unsolicited frame is killed then, as if it had stayed in the socket. A reply is capped in size, so reading
        always ends."""
        inbox = self.inbox
        while len(inbox) < n:
            self._wait(sel, deadline, what)  # returns at once where the reply is already there
            try:
                chunk = self.sock.recv(max(n - len(inbox), 1 << 16))
            except BlockingIOError:
                continue
            except OSError:
                chunk = b""
            if not chunk:
                self._died(what, "stopped before replying (it crashed or exited)")
            inbox += chunk
        data = bytes(inbox[:n])
        del inbox[:n]
        return data

    def _wait(self, sel, deadline: Budget, what: str) -> None:
        while True:
            left = deadline.left()
            if left is None:
                self._died(what, "did not finish in time (is there an infinite loop, or a call that waits?)",
                           timed_out=True, starved=deadline.starved())
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

    def _died(self, what: str, why: str, timed_out: bool = False, starved: bool = False):
        self.kill()
        raise CellDied(f"{what}: the code {why}", timed_out, starved) from None
