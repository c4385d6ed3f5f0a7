"""One ``perf record`` session over the driver, shared by the profilers that read stacks.

It records, with DWARF call stacks, in one run of the driver:

- time samples (``cycles`` where a PMU exists, else ``task-clock``) at ``FREQUENCY`` Hz,
  for the sampling section;
- page faults (the ``page-faults`` software event, no PMU needed), sampled at the same
  frequency, each sample weighted by its period (the faults it stands for);
- as root with the scheduler tracepoints: every ``sched:sched_switch`` of the driver's
  threads (its stack is where the thread stopped) and ``--switch-events`` (when each
  thread left and got back the CPU), for blocked time by line.

Stacks are repaired where the candidate made a tail call (``tail_calls``), then the
candidate's addresses are resolved to inline chains (addr2line). The sampling, off-CPU
and simulated sections share one recording per profile
(``SharedRecording``), so that the evaluation's profile pays for one driver run.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..sandbox.containment import Containment
from .attribution import EvolveBlocks, lookup_addresses
from .driver import driver_command, run_jailed, run_tool, tool_jail
from .errors import ProfilerOutputError, ToolFailedError
from .perf_script import SCRIPT_FIELDS, Sample, Switch, parse_perf_script
from .shared import Location, resolve_lines, tail
from .tail_calls import read_code, restore_tail_calls
from .tracefs import sched_tracepoints

if TYPE_CHECKING:  # context.py imports this module for ProfileContext.perf_recording
    from .context import ProfileContext

FREQUENCY = 999  # Hz, time and page-fault samples
MAX_SECONDS = 5.0  # of driver runtime
STACK_BYTES = 8192  # user stack copied per sample for DWARF unwinding
ENTRY_SYMBOL = "aiopt_run"
SCHED_SWITCH = "sched:sched_switch"
PAGE_FAULTS = "page-faults"
PERF_READS = (Path("/proc"), Path("/sys"))  # perf reads its child's maps and event files


@dataclass(frozen=True)
class Recording:
    """What one perf record session saw during the driver's ``aiopt_run`` calls."""

    time_event: str  # "cycles" or "task-clock"
    seconds: float  # the driver's time budget
    calls: int  # aiopt_run calls made (the warmup call included)
    wall_us_per_call: float  # the driver's own timing of its counted calls, under perf
    samples: tuple[Sample, ...]  # all events, inside the run phase only
    switches: tuple[Switch, ...]  # inside the run phase only
    all_samples: int  # time samples before the run phase was cut out
    candidate_dso: str
    chains: dict[int, tuple[Location, ...]]  # lookup address -> inline chain
    blocks: EvolveBlocks
    sched_unavailable: str | None  # why blocked time was not recorded, if it was not
    containment: Containment  # what held around perf and the driver

    def of_event(self, event: str) -> list[Sample]:
        return [sample for sample in self.samples if sample.event == event]


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise ToolFailedError("the profiler's timeout passed")
    return left


def _time_event(deadline: float) -> str:
    """``cycles`` when the machine has a hardware PMU, else ``task-clock``."""
    probe = run_tool(["perf", "stat", "-e", "cycles", "-x,", "true"], timeout=_remaining(deadline))
    usable = probe.returncode == 0 and "<not supported>" not in probe.stderr
    return "cycles" if usable and "<not counted>" not in probe.stderr else "task-clock"


def sched_unavailable() -> str | None:
    """Why ``sched:sched_switch`` cannot be recorded here, or None if it can."""
    if os.geteuid() != 0:
        return "needs root (the sched:sched_switch tracepoint)"
    missing = sched_tracepoints()
    return None if missing is None else missing


@dataclass(frozen=True)
class _Raw:
    script: str
    calls: int
    wall_us_per_call: float
    containment: Containment


def _events(time_event: str, sched: bool) -> list[str]:
    events = [
        "-e", f"{time_event}/freq={FREQUENCY}/",
        "-e", f"{PAGE_FAULTS}/freq={FREQUENCY}/",
    ]  # fmt: skip
    if sched:  # a tracepoint's period is 1: every switch
        events += ["-e", SCHED_SWITCH, "--switch-events"]
    return events


def _driver_result(stdout: str) -> tuple[int, float]:
    """The aiopt_run calls the driver made (``runs`` + the warmup) and its wall time per
    counted call in microseconds, from its JSON line."""
    for line in reversed(stdout.strip().splitlines()):
        try:
            done = json.loads(line)
            runs, wall_ns = int(done["runs"]), int(done["wall_ns"])
        except (ValueError, KeyError, TypeError):
            continue
        if runs > 0:
            return runs + 1, wall_ns / runs / 1e3
    raise ToolFailedError("the driver printed no result under perf record")


def _record(
    ctx: ProfileContext, time_event: str, seconds: float, sched: bool, deadline: float
) -> _Raw:
    """Records the driver for ``seconds``; ``perf script``'s text and the calls made.

    perf runs in the tool sandbox with what it needs (fork, exec, perf_event_open, its
    capabilities); the driver it starts puts itself in the strict sandbox before it loads
    the candidate, and ``perf script`` reads the recording inside the sandbox too (the
    candidate could write that file)."""
    jail = tool_jail(
        ctx,
        "perf-record",
        "driver",
        read=PERF_READS,
        allow=("exec", "fork", "perf", "capabilities"),
    )
    try:
        data = jail.scratch / "perf.data"
        driver = driver_command(
            ctx.shared_object, ctx.inputs, runs=1, warmup=1, seconds=seconds,
            sandbox=jail.driver_args(),
        )  # fmt: skip
        record = [
            "perf", "record", "-q", *_events(time_event, sched),
            "--call-graph", f"dwarf,{STACK_BYTES}", "-o", str(data), "--", *driver,
        ]  # fmt: skip
        result = run_jailed(record, jail, timeout=_remaining(deadline))
        if result.timed_out:
            raise ToolFailedError("perf record timed out")
        containment = jail.containment()
        if not containment.full and ctx.require_containment:
            raise ToolFailedError(f"containment {containment.summary()}: not run")
        if result.returncode != 0:
            raise ToolFailedError(
                f"perf record failed (exit {result.returncode}): {tail(result.stderr)}"
            )
        calls, wall_us = _driver_result(result.stdout)
        script = [
            "perf", "script", "-i", str(data), "-F", SCRIPT_FIELDS, "--no-inline",
            *(["--show-switch-events"] if sched else []),
        ]  # fmt: skip
        shown = run_jailed(script, jail, timeout=_remaining(deadline))
        if shown.timed_out or shown.returncode != 0:
            raise ToolFailedError(f"perf script failed: {tail(shown.stderr) or 'timed out'}")
        return _Raw(shown.stdout, calls, wall_us, containment)
    finally:
        jail.remove()


def run_window(samples: tuple[Sample, ...], candidate_dso: str) -> tuple[float, float] | None:
    """From the first to the last sample with ``aiopt_run`` on its stack."""
    times = [
        sample.time
        for sample in samples
        if any(f.dso == candidate_dso and f.symbol == ENTRY_SYMBOL for f in sample.frames)
    ]
    return (min(times), max(times)) if times else None


def record(ctx: ProfileContext, deadline: float) -> Recording:
    """Runs the session (without the tracepoint when it cannot be recorded, or when perf
    refuses it: then ``sched_unavailable`` says why) and resolves the candidate's lines."""
    time_event = _time_event(deadline)
    seconds = max(0.5, min(ctx.budget, MAX_SECONDS))
    unavailable = sched_unavailable()
    try:
        raw = _record(ctx, time_event, seconds, unavailable is None, deadline)
    except ToolFailedError as error:
        if unavailable is not None:
            raise
        unavailable = f"perf record with {SCHED_SWITCH} failed: {error}"
        raw = _record(ctx, time_event, seconds, False, deadline)
    script = parse_perf_script(raw.script)
    candidate_dso = str(Path(ctx.shared_object).resolve())
    window = run_window(script.samples, candidate_dso)
    all_time = sum(1 for sample in script.samples if sample.event == time_event)
    if window is None:
        raise ToolFailedError(f"perf recorded {all_time} samples, none inside {ENTRY_SYMBOL}")
    first, last = window
    code = read_code(Path(ctx.shared_object), _remaining(deadline))
    samples = restore_tail_calls(
        (s for s in script.samples if first <= s.time <= last), candidate_dso, code
    )
    switches = tuple(s for s in script.switches if first <= s.time <= last)
    chains = resolve_lines(
        Path(ctx.shared_object), lookup_addresses(samples, candidate_dso), _remaining(deadline)
    )
    return Recording(
        time_event=time_event,
        seconds=seconds,
        calls=raw.calls,
        wall_us_per_call=raw.wall_us_per_call,
        samples=samples,
        switches=switches,
        all_samples=all_time,
        candidate_dso=candidate_dso,
        chains=chains,
        blocks=EvolveBlocks.of(ctx.source_lines),
        sched_unavailable=unavailable,
        containment=raw.containment,
    )


@dataclass
class SharedRecording:
    """The one recording of a profile: made by the first profiler that asks for it, then
    handed to the others (profilers may run side by side: a lock keeps it to one run)."""

    wanted: bool = True  # a section that needs it runs in this profile
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _done: Recording | ProfilerOutputError | ToolFailedError | None = None

    def get(self, ctx: ProfileContext) -> Recording:
        """The recording; raises the error that stopped it (the same for every caller).
        It has ``ctx.timeout`` from its start, whichever section's limit asked for it."""
        with self._lock:
            if self._done is None:
                try:
                    self._done = record(ctx, time.monotonic() + ctx.timeout)
                except (ProfilerOutputError, ToolFailedError) as error:
                    self._done = error
            done = self._done
        if isinstance(done, Recording):
            ctx.containment_seen.append(done.containment)
            return done
        raise done

    @property
    def made(self) -> Recording | None:
        """The recording if it has been made (without making it)."""
        with self._lock:
            return self._done if isinstance(self._done, Recording) else None
