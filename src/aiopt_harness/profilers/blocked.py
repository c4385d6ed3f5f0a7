"""Blocked time by line and by cause, from the profile's perf recording (recording.py).

Every time the calling thread (the one that runs ``aiopt_run``) leaves the CPU, perf
records a ``sched:sched_switch`` sample with its call stack (where it stopped, kernel
frames included) and a switch-out record; the switch-in record says when it got the CPU
back. The time between the two is charged to the stack's line by attribution.py's rules
(library code to the calling line), and to a cause:

- ``cpu_wait``: switched out while runnable (preempted), waiting for a CPU; split into
  ``cpu_wait_own`` when the thread that took the CPU is one of the candidate's own, and
  ``cpu_wait_other`` for other processes;
- ``sleep``: a timed sleep (nanosleep and its kernel path);
- ``lock``: a futex wait (mutexes, condition variables, joins);
- ``io``: uninterruptible sleep (disk, page-fault I/O) and other waits (pipes, polls).

A sleeping thread that is woken waits for a CPU before it runs again: that latency is
counted in its sleep's cause.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from .attribution import attribute
from .perf_script import Sample
from .recording import SCHED_SWITCH, Recording

CAUSES = ("cpu_wait_own", "cpu_wait_other", "sleep", "lock", "io")
CAUSE_WORDS = {
    "cpu_wait_own": "waiting for a CPU held by the candidate's own threads",
    "cpu_wait_other": "waiting for a CPU held by other processes",
    "sleep": "sleeping (timed)",
    "lock": "waiting on a lock or futex (mutex, condition variable, join)",
    "io": "waiting for I/O or another event",
}
KERNEL = "[kernel.kallsyms]"
_STATE = re.compile(r"prev_state=(?P<state>\S+)")
_NEXT = re.compile(r"next_pid=(?P<pid>-?\d+)")
_SLEEP_SYMBOLS = ("nanosleep", "schedule_hrtimeout")


@dataclass(frozen=True)
class Interval:
    """One stretch of time the calling thread spent off the CPU."""

    start: float
    end: float
    cause: str
    line: int | None
    inside_block: bool
    leaf: str


def cause_of(switch: Sample | None, preempted: bool, own_threads: set[int]) -> str:
    """The cause of a switch-out, from its tracepoint fields and kernel stack."""
    state_match = _STATE.search(switch.trace) if switch is not None else None
    state = state_match["state"] if state_match else ("R" if preempted else "")
    if state.startswith("R") or (switch is None and preempted):
        next_match = _NEXT.search(switch.trace) if switch is not None else None
        if next_match is not None and int(next_match["pid"]) in own_threads:
            return "cpu_wait_own"
        return "cpu_wait_other"
    kernel = [f.symbol for f in switch.frames if f.dso == KERNEL] if switch is not None else []
    if any("futex" in symbol for symbol in kernel):
        return "lock"
    if any(word in symbol for symbol in kernel for word in _SLEEP_SYMBOLS):
        return "sleep"
    return "io"


def intervals(recording: Recording) -> list[Interval]:
    """The calling thread's off-CPU intervals in the run phase, attributed."""
    # perf records the driver's threads only: every thread seen is the candidate's
    own_threads = {s.tid for s in recording.samples} | {s.tid for s in recording.switches}
    stops = {s.time: s for s in recording.of_event(SCHED_SWITCH) if s.tid == s.pid}
    events = sorted(
        [(s.time, 0, s) for s in stops.values()]
        + [(w.time, 1, w) for w in recording.switches if w.tid == w.pid],
        key=lambda item: (item[0], item[1]),
    )
    pending: Sample | None = None
    out: tuple[float, Sample | None, bool] | None = None
    found: list[Interval] = []
    for _, kind, record in events:
        if kind == 0:
            assert isinstance(record, Sample)
            pending = record
            continue
        assert not isinstance(record, Sample)
        if record.out:
            out, pending = (record.time, pending, record.preempt), None
        elif out is not None:
            start, stop, preempted = out
            cause = cause_of(stop, preempted, own_threads - {record.tid})
            where = (
                attribute(stop, recording.candidate_dso, recording.chains, recording.blocks)
                if stop is not None
                else None
            )
            found.append(
                Interval(
                    start,
                    record.time,
                    cause,
                    where.line if where else None,
                    where.inside_block if where else True,
                    where.leaf if where else "[no stack]",
                )
            )
            out = None
    return found


@dataclass(frozen=True)
class LineBlocked:
    """Off-CPU microseconds per call of one line, by cause."""

    line: int
    us_by_cause: dict[str, float]

    @property
    def total_us(self) -> float:
        return sum(self.us_by_cause.values())


def per_line(found: Sequence[Interval], calls: int) -> list[LineBlocked]:
    """Lines by their off-CPU time per call, most first."""
    by_line: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for interval in found:
        if interval.line is not None:
            by_line[interval.line][interval.cause] += (interval.end - interval.start) * 1e6
    lines = [
        LineBlocked(line, {c: round(us / calls, 1) for c, us in causes.items()})
        for line, causes in by_line.items()
    ]
    return sorted(lines, key=lambda entry: (-entry.total_us, entry.line))


def per_cause(found: Sequence[Interval], calls: int) -> dict[str, float]:
    """Off-CPU microseconds per call by cause, every cause listed."""
    totals = dict.fromkeys(CAUSES, 0.0)
    for interval in found:
        totals[interval.cause] += (interval.end - interval.start) * 1e6
    return {cause: round(us / calls, 1) for cause, us in totals.items()}
