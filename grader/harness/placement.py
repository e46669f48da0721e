"""Which CPU cores a worker's processes run on: the worker and the cell it is calling on one core, zygotes elsewhere.

A call is a ping-pong between the worker and its cell. On the 2-core VMs measured, waking a process on another,
idle core cost ~40 µs more per round trip than on the same core (``bench/bench_sandbox.py``'s small call), and the
zygotes' work (forking cells ahead, the next submission's load, tearing down the last one's cells) landing on
the worker's core slowed its calls: 64 warm BPE submissions took 25 ms each placed so, 31 ms not
(``bench/bench_profile.py``). So a worker claims a core host-wide (:func:`grader.sandbox.hostlock.claim_core`:
two graders on one host never share one) and runs there, a cell moves there when a test first uses it, and the
zygotes, with the cells they fork ahead, run on the other cores. With one core, or none left to claim, nothing
is pinned, nor where ``GRADER_PIN=0`` says not to (the test suite's own process, which starts graders of its own
while it holds contexts, sets :data:`ENABLED` off). Where a process runs never changes a verdict: a call's budget
is its cell's own CPU time.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from grader.sandbox import hostlock
from grader.sandbox.client import pin


ENABLED = os.environ.get("GRADER_PIN", "1") != "0"
_CLAIMED: dict = {}  # pid -> [its Placement, open contexts using it] (a forked or spawned process decides its own)


@dataclass(frozen=True)
class Placement:
    """A worker's cores: ``home`` for itself and the cell it calls, ``background`` for its zygotes."""

    home: frozenset | None = None  # the worker's core, and that of the cell it is calling
    background: frozenset | None = None  # the zygotes' cores (their cells', until a test uses one)
    before: frozenset | None = None  # the worker's cores before it was pinned

    @classmethod
    def claim(cls) -> "Placement":
        """This process's placement, pinning it to its core: decided once while it lasts, from the cores the process
        had then (a second context in the same process gets the same, not one made from the single core it holds)."""
        held = _CLAIMED.get(os.getpid())
        if held is None:
            try:
                available = frozenset(os.sched_getaffinity(0))
            except (AttributeError, OSError):
                available = frozenset()
            core = hostlock.claim_core(available) if ENABLED and len(available) > 1 else None
            held = _CLAIMED[os.getpid()] = [cls() if core is None else
                                            cls(frozenset({core}), available - {core}, available), 0]
        held[1] += 1
        held[0].pin(0, held[0].home)
        return held[0]

    pin = staticmethod(pin)

    def release(self) -> None:
        """A context that claimed this closed. When the last one of the process has: the process's cores as they
        were, and its core free for other graders (tests, benchmarks, a notebook go on after a context)."""
        held = _CLAIMED.get(os.getpid())
        if held is None or held[0] is not self:
            return
        held[1] -= 1
        if held[1] <= 0:
            del _CLAIMED[os.getpid()]
            hostlock.release_core()
            self.pin(0, self.before)
