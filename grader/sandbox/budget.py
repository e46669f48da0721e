"""A call's time budget, counted fairly: the cell's CPU time against the limit, wall-clock as the outer guard.

A busy host slows a cell down without the cell's fault, so what a call may spend is CPU time, read from the
cell's cgroup (``cpuacct.usage`` on v1, ``cpu.stat`` on v2) or, without one, from ``/proc/PID/stat``.
Wall-clock still bounds every call (a cell that sleeps or blocks uses no CPU): :data:`GUARD_FACTOR` times the
limit, plus a second. A call stopped by the wall guard is *starved* when the cell could not get a CPU: the host
was overloaded, or the cell's main thread waited to run (its run-queue delay, ``/proc/PID/schedstat``) for at
least :data:`WAIT_SHARE` of the call's wall time (a neighbour's threads on its core). The harness reruns its test
once, alone and on every core, before it counts against the student.
"""
from __future__ import annotations

import os
import time

from grader.sandbox import hostlock

GUARD_FACTOR = 1.5  # enough for a cell sharing a core; a busier host is "overloaded" and the test reruns alone
WAIT_SHARE = 0.25  # of a call's wall time spent waiting for a CPU: it was starved, not slow
_TICK = os.sysconf("SC_CLK_TCK")


class CpuClock:
    """CPU seconds used so far by one cell (all of its processes where a cgroup counts them).

    The file is opened once and read again with ``pread`` at offset 0 (the kernel writes it afresh for each
    read): a call reads the clock a few times, and an open per reading was a measurable part of a short call.
    Opened once, it also keeps naming this cell's process even if its pid number is later reused."""

    def __init__(self, pid: int, cpu_file: str | None):
        self.pid, self.cpu_file = pid, cpu_file
        self.last = 0.0
        self.fd: int | None = None
        self.wait_fd: int | None = None
        self.last_wait = 0.0
        self.closed = False

    def waited(self) -> float:
        """Seconds the cell's main thread has waited for a CPU while runnable (its run-queue delay), so far; the
        last reading once the cell is gone, 0 where the kernel does not say."""
        try:
            if self.wait_fd is None:
                if self.closed:
                    return self.last_wait
                self.wait_fd = os.open(f"/proc/{self.pid}/schedstat", os.O_RDONLY | os.O_CLOEXEC)
            self.last_wait = int(os.pread(self.wait_fd, 256, 0).split()[1]) / 1e9
        except (OSError, ValueError, IndexError):
            pass
        return self.last_wait

    def __call__(self) -> float:
        try:
            raw = self._read()
            if self.cpu_file and self.cpu_file.endswith("cpu.stat"):
                usec = next(int(line.split()[1]) for line in raw.splitlines() if line.startswith("usage_usec"))
                self.last = usec / 1e6
            elif self.cpu_file:
                self.last = int(raw) / 1e9
            else:
                fields = raw.rsplit(")", 1)[1].split()
                self.last = sum(int(v) for v in fields[11:15]) / _TICK  # utime stime cutime cstime
        except (OSError, ValueError, StopIteration, IndexError):
            pass  # the cell is gone: its last reading stands
        return self.last

    def _read(self) -> str:
        if self.fd is None:
            if self.closed:
                raise OSError("the cell's clock is closed")
            self.fd = os.open(self.cpu_file or f"/proc/{self.pid}/stat", os.O_RDONLY | os.O_CLOEXEC)
        return os.pread(self.fd, 4096, 0).decode("ascii", "replace")

    def close(self) -> None:
        """Called when the cell is killed: later readings return the last one."""
        self.closed = True
        for name in ("fd", "wait_fd"):
            fd = getattr(self, name)
            if fd is not None:
                setattr(self, name, None)
                os.close(fd)


class Budget:
    """``seconds`` of the cell's CPU time, within ``seconds * GUARD_FACTOR + 1`` of wall-clock time.
    Without a clock (starting a cell) it is a plain wall-clock deadline of ``seconds``. ``cpu0``: the clock's
    reading when the request was sent, for a reply collected later (the cell's CPU time since then counts);
    ``start``: when the wall-clock time started (a request sent ahead, see ``Cell.collect``), else now; ``wait0``:
    the cell's run-queue delay then (see :meth:`starved`)."""

    def __init__(self, seconds: float, clock: CpuClock | None = None, cpu0: float | None = None,
                 start: float | None = None, wait0: float | None = None):
        self.seconds, self.clock = seconds, clock
        self.start = time.monotonic() if start is None else start
        self.cpu0 = cpu0 if cpu0 is not None else clock() if clock else 0.0
        self.wait0 = wait0 if wait0 is not None else clock.waited() if clock else 0.0
        self.guard = self.start + (seconds * GUARD_FACTOR + 1 if clock else seconds)
        self.why = ""

    def left(self) -> float | None:
        """Seconds to wait before looking again; None once the budget is spent (``why`` says which)."""
        now = time.monotonic()
        used = self.clock() - self.cpu0 if self.clock is not None else None
        if used is not None and used >= self.seconds:  # its own CPU ran out: never starved, whatever the wall
            self.why = "cpu"
            return None
        if now >= self.guard:
            self.why = "wall"
            return None
        if used is None:
            return self.guard - now
        return min(self.guard - now, max((self.seconds - used) / 2, 0.005))  # it may run on two cores

    def starved(self) -> bool:
        """Stopped by the wall guard, not by its own CPU use, while the host was overloaded or the cell waited for
        a CPU for :data:`WAIT_SHARE` of the time (a call that sleeps waits for nothing: it is not starved)."""
        if self.why != "wall" or self.clock is None:
            return False
        waited = self.clock.waited() - self.wait0
        return hostlock.overloaded() or waited >= WAIT_SHARE * (time.monotonic() - self.start)
