"""Off-CPU time: when the candidate's thread was not running, and why.

Three sources:

- native figures, always available: the measurement's wall vs thread-CPU time, context
  switches (getrusage) and run-queue wait (``/proc/thread-self/schedstat``);
- as root, ``perf sched record`` around the driver and ``perf sched timehist --state``:
  the driver thread's run time, run-queue delay and sleep time by the state it left in;
- ``bperf report`` output made elsewhere (bperf needs a patched kernel): shares of
  on-CPU (user, kernel) and blocked (I/O, lock, run queue, other) samples by symbol.
"""

from __future__ import annotations

import os
import re
import shutil
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..common.artifact_text import artifact_safe
from .context import ProfileContext
from .driver import driver_command, run_jailed, tool_jail
from .errors import ProfilerOutputError
from .section import ProfileSection, unavailable
from .shared import demangle, read_recorded, short_symbol
from .tracefs import sched_tracepoints

PERF_SCHED_SECONDS = 2.0  # driver time recorded by perf sched (system-wide, so short)
PERF_SCHED_TIMEOUT = 20.0
DRIVER_COMM = "aiopt-driver"
CPU_BOUND_SHARE = 0.02  # below this off-CPU share the notes call the thread CPU-bound
TOP_SYMBOLS = 3

# bperf's symbol markers: perf's on-CPU [.] and [k], and the blocked-sample kinds.
BPERF_KINDS = {
    ".": "user",
    "k": "kernel",
    "I": "blocking I/O",
    "L": "lock wait",
    "S": "run queue",
    "B": "other blocked",
}
BPERF_KEYS = {".": "user", "k": "kernel", "I": "io", "L": "lock", "S": "runqueue", "B": "blocked"}
ON_CPU_KINDS = (".", "k")
# Task states of ``perf sched timehist --state`` (the state a task was switched out in).
STATE_WORDS = {
    "S": "waiting for an event: lock, timer, pipe, socket",
    "D": "uninterruptible: disk I/O, page faults",
    "T": "stopped",
    "t": "traced",
    "X": "exiting",
    "Z": "exiting",
    "I": "idle",
    "P": "parked",
}

_PERCENT_START = re.compile(r"^\s*\d+(?:\.\d+)?%")
_BPERF_ENTRY = re.compile(
    r"^\s*(?P<first>\d+(?:\.\d+)?)%\s+(?:(?P<second>\d+(?:\.\d+)?)%\s+)?"
    r"(?P<columns>.*?)\s*\[(?P<kind>.)\]\s+(?P<symbol>\S.*?)\s*$"
)
_TIMEHIST_ROW = re.compile(
    r"^\s*(?P<time>\d+\.\d+)\s+\[(?P<cpu>\d+)\]\s+(?P<task>.+?)\s+"
    r"(?P<wait>\d+\.\d+)\s+(?P<delay>\d+\.\d+)\s+(?P<run>\d+\.\d+)\s+(?P<state>[A-Za-z])\s*$"
)
_TASK = re.compile(r"^(?P<comm>.*)\[(?:(?P<tid>\d+)/)?(?P<pid>\d+)\]$")


class BperfReportError(ProfilerOutputError):
    """``bperf report`` output that cannot be read; ``line`` is the 1-based line number."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"bperf report line {line}: {message}" if line else message)
        self.line = line


class PerfSchedError(ProfilerOutputError):
    """``perf sched timehist`` output that cannot be read."""


def _per_call(total: int | None, calls: int) -> float | None:
    return None if total is None or calls <= 0 else total / calls


def _native_figures(offcpu: dict[str, Any]) -> dict[str, float | int | str]:
    calls = int(offcpu["calls"])
    wall, cpu = int(offcpu["wall_ns"]), int(offcpu["cpu_ns"])
    figures: dict[str, float | int | str] = {
        "calls": calls,
        "wall_us_per_call": round(wall / calls / 1e3, 2),
        "cpu_us_per_call": round(cpu / calls / 1e3, 2),
        "offcpu_share": round(max(0.0, 1.0 - cpu / wall), 4),
        "voluntary_switches_per_call": round(int(offcpu["voluntary_switches"]) / calls, 3),
        "involuntary_switches_per_call": round(int(offcpu["involuntary_switches"]) / calls, 3),
    }
    runqueue = offcpu.get("runqueue_wait_ns")
    if runqueue is None:
        figures["runqueue_wait"] = "unavailable (no /proc/thread-self/schedstat)"
    else:
        figures["runqueue_wait_us_per_call"] = round(int(runqueue) / calls / 1e3, 2)
        figures["runqueue_wait_share"] = round(int(runqueue) / wall, 4)
    timeslices = _per_call(offcpu.get("timeslices"), calls)
    if timeslices is not None:
        figures["timeslices_per_call"] = round(timeslices, 3)
    return figures


def _native_notes(figures: dict[str, float | int | str]) -> list[str]:
    share = float(figures["offcpu_share"])
    notes = [
        f"the thread was off the CPU for {share:.1%} of its timed calls' wall time "
        f"({figures['wall_us_per_call']} us wall, {figures['cpu_us_per_call']} us CPU per call)"
        + ("; it is CPU-bound: waiting is not its bottleneck" if share < CPU_BOUND_SHARE else "")
    ]
    voluntary = float(figures["voluntary_switches_per_call"])
    if voluntary > 0:
        notes.append(
            f"it gave up the CPU {voluntary:g} times per call (blocking: I/O, locks, sleeps, "
            "page faults that wait)"
        )
    involuntary = float(figures["involuntary_switches_per_call"])
    if involuntary > 0:
        notes.append(f"it was preempted {involuntary:g} times per call")
    if "runqueue_wait_share" in figures:
        notes.append(
            f"it waited {figures['runqueue_wait_us_per_call']} us per call "
            f"({float(figures['runqueue_wait_share']):.1%} of wall time) in the run queue for "
            "a CPU: contention from other processes, not the candidate's code"
        )
    return notes


# --- perf sched --------------------------------------------------------------------------


@dataclass(frozen=True)
class SchedSummary:
    """One task's scheduling in ``perf sched timehist --state`` (times in ms)."""

    task: str
    run_ms: float
    runqueue_ms: float  # runnable but waiting for a CPU: woken ("sch delay") or preempted
    sleep_ms_by_state: dict[str, float]  # asleep, by the state it was switched out in
    switches_by_state: dict[str, int]


def parse_perf_sched_timehist(text: str, comm: str = DRIVER_COMM) -> SchedSummary:
    """Sums the rows of tasks named ``comm`` in ``perf sched timehist --state`` output.

    A row's "wait time" is the time off the CPU before the wakeup, attributed to the state
    of the same thread's previous row (the state it was switched out in): after ``R``
    (preempted) it is run-queue time, like the "sch delay" (wakeup to running).
    """
    rows = 0
    run = delay = 0.0
    sleep: dict[str, float] = defaultdict(float)
    switches: dict[str, int] = defaultdict(int)
    last_state: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = _TIMEHIST_ROW.match(line)
        if match is None:
            if re.match(r"^\s*\d+\.\d+\s+\[\d+\]", line):
                raise PerfSchedError(f"perf sched line {number}: malformed row {line[:80]!r}")
            continue  # headers, separators, messages
        task = _TASK.match(match.group("task"))
        if task is None or task.group("comm") != comm:
            continue
        thread = task.group("tid") or task.group("pid")
        rows += 1
        run += float(match.group("run"))
        delay += float(match.group("delay"))
        wait = float(match.group("wait"))
        previous = last_state.get(thread, "?")
        if previous == "R":
            delay += wait
        elif wait > 0:
            sleep[previous] += wait
        state = match.group("state")
        switches[state] += 1
        last_state[thread] = state
    if rows == 0:
        raise PerfSchedError(f"no perf sched timehist rows for {comm}")
    return SchedSummary(comm, run, delay, dict(sleep), dict(switches))


def _sched_figures(summary: SchedSummary) -> dict[str, float | int | str]:
    sleeping = sum(summary.sleep_ms_by_state.values())
    total = summary.run_ms + summary.runqueue_ms + sleeping
    figures: dict[str, float | int | str] = {
        "perf_sched_run_ms": round(summary.run_ms, 3),
        "perf_sched_runqueue_ms": round(summary.runqueue_ms, 3),
        "perf_sched_sleep_ms": round(sleeping, 3),
        "perf_sched_offcpu_share": round((total - summary.run_ms) / total, 4) if total else 0.0,
    }
    for state, count in sorted(summary.switches_by_state.items()):
        figures[f"perf_sched_switches_{state}"] = count
    return figures


def _sched_notes(summary: SchedSummary) -> list[str]:
    notes = [
        f"perf sched (whole driver run, including setup): {summary.run_ms:.1f} ms on the CPU, "
        f"{summary.runqueue_ms:.1f} ms runnable but waiting for a CPU (preempted or just woken)"
    ]
    for state, ms in sorted(summary.sleep_ms_by_state.items(), key=lambda kv: -kv[1]):
        words = STATE_WORDS.get(state, "unknown state")
        notes.append(
            f"perf sched: {ms:.1f} ms asleep after switching out in state {state} ({words})"
        )
    return notes


def _last_line(stderr: str | None) -> str:
    """``": <perf's last words>"``, or nothing when it said nothing."""
    lines = [line.strip() for line in (stderr or "").splitlines() if line.strip()]
    return f": {lines[-1][:200]}" if lines else ""


def _perf_sched(ctx: ProfileContext) -> tuple[dict[str, float | int | str], list[str]]:
    """Figures and notes from ``perf sched`` around the driver, or the reason there are none."""
    if os.geteuid() != 0:
        return {"perf_sched": "skipped: needs root"}, []
    if shutil.which("perf") is None:
        return {"perf_sched": "skipped: perf not found (Debian package linux-perf)"}, []
    missing = sched_tracepoints()
    if missing is not None:
        return {"perf_sched": f"unavailable: {missing}"}, []
    seconds = min(PERF_SCHED_SECONDS, max(ctx.budget, 0.5))
    timeout = min(ctx.timeout, PERF_SCHED_TIMEOUT)
    # perf in the tool sandbox (tracepoints need its privileges); the driver in the strict
    # one before it loads the candidate; timehist reads the recording inside the sandbox.
    jail = tool_jail(
        ctx,
        "perf-sched",
        "driver",
        read=(Path("/proc"), Path("/sys")),
        allow=("exec", "fork", "perf", "capabilities"),
    )
    try:
        data = jail.scratch / "sched.data"
        driver = driver_command(
            ctx.shared_object, ctx.inputs, seconds=seconds, sandbox=jail.driver_args()
        )
        record = ["perf", "sched", "record", "-o", str(data), "--", *driver]
        recorded = run_jailed(record, jail, timeout=timeout)
        if recorded.returncode not in (0, None):
            # One more try for a recording disturbed by what else runs; a second
            # failure is shown.
            recorded = run_jailed(record, jail, timeout=timeout)
        containment = jail.containment()
        if recorded.returncode != 0 or not data.is_file():
            state = "timed out" if recorded.timed_out else f"exit {recorded.returncode}"
            said = _last_line(recorded.stderr)
            return {"perf_sched": f"failed: perf sched record {state}{said}"}, []
        if not containment.full and ctx.require_containment:
            return {"perf_sched": f"skipped: containment {containment.summary()}"}, []
        ctx.containment_seen.append(containment)
        shown = run_jailed(
            ["perf", "sched", "timehist", "-i", str(data), "--state"], jail, timeout=timeout
        )
    finally:
        jail.remove()
    if shown.returncode != 0:
        said = _last_line(shown.stderr)
        return {"perf_sched": f"failed: perf sched timehist exit {shown.returncode}{said}"}, []
    try:
        summary = parse_perf_sched_timehist(shown.stdout)
    except PerfSchedError as error:
        return {"perf_sched": f"failed: {error}"}, []
    return {"perf_sched": f"recorded {seconds:g} s", **_sched_figures(summary)}, _sched_notes(
        summary
    )


def run(ctx: ProfileContext) -> ProfileSection:
    """Off-CPU figures of the measurement, plus ``perf sched`` when running as root."""
    offcpu = ctx.measurement.get("offcpu")
    if not offcpu:
        return unavailable("offcpu", "the measurement has no off-CPU figures")
    if int(offcpu.get("calls", 0)) <= 0 or int(offcpu.get("wall_ns", 0)) <= 0:
        return unavailable("offcpu", "the measurement timed no calls")
    figures = _native_figures(offcpu)
    notes = _native_notes(figures)
    sched_figures, sched_notes = _perf_sched(ctx)
    return ProfileSection(
        "offcpu",
        True,
        label="wall vs thread CPU time, getrusage switches, schedstat; perf sched as root",
        figures={**figures, **sched_figures},
        notes=notes + sched_notes,
    )


# --- bperf ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class BperfEntry:
    """One ``bperf report`` row: a share of all samples, whose kind is ``BPERF_KINDS[kind]``."""

    share: float  # fraction of all samples (the Self column when there are two)
    command: str
    dso: str
    kind: str
    symbol: str


def _entry(line: str, number: int) -> BperfEntry:
    match = _BPERF_ENTRY.match(line)
    if match is None:
        raise BperfReportError(number, f"malformed entry {line.strip()[:80]!r}")
    kind = match.group("kind")
    if kind not in BPERF_KINDS:
        raise BperfReportError(number, f"unknown symbol marker [{kind}]")
    percent = float(match.group("second") or match.group("first"))
    if percent > 100.0:
        raise BperfReportError(number, f"share {percent}% is above 100%")
    *command, dso = match.group("columns").split() or [""]
    return BperfEntry(percent / 100, " ".join(command), dso, kind, match.group("symbol"))


def parse_bperf_report(text: str) -> list[BperfEntry]:
    """The entries of ``bperf report --stdio`` output (headers, comments, call chains skipped)."""
    entries = [
        _entry(line, number)
        for number, line in enumerate(text.splitlines(), start=1)
        if _PERCENT_START.match(line)
    ]
    if not entries:
        raise BperfReportError(0, "no entries found: is this `bperf report --stdio` output?")
    return entries


def _kind_figures(entries: list[BperfEntry]) -> dict[str, float | int | str]:
    shares: dict[str, float] = defaultdict(float)
    for entry in entries:
        shares[entry.kind] += entry.share
    figures: dict[str, float | int | str] = {
        f"share_{BPERF_KEYS[kind]}": round(shares[kind], 4) for kind in BPERF_KINDS
    }
    figures["share_on_cpu"] = round(sum(shares[kind] for kind in ON_CPU_KINDS), 4)
    figures["share_off_cpu"] = round(
        sum(share for kind, share in shares.items() if kind not in ON_CPU_KINDS), 4
    )
    figures["entries"] = len(entries)
    return figures


def _top_symbols(entries: list[BperfEntry], kind: str) -> str:
    chosen = sorted((e for e in entries if e.kind == kind), key=lambda e: -e.share)[:TOP_SYMBOLS]
    names = demangle([entry.symbol for entry in chosen])
    return ", ".join(
        f"{short_symbol(name)} ({artifact_safe(Path(entry.dso).name) or '?'}, {entry.share:.1%})"
        for name, entry in zip(names, chosen, strict=True)
    )


def _bperf_notes(entries: list[BperfEntry], figures: dict[str, float | int | str]) -> list[str]:
    notes = [
        f"on-CPU {float(figures['share_on_cpu']):.1%} of samples, blocked "
        f"{float(figures['share_off_cpu']):.1%}"
    ]
    totals: dict[str, float] = defaultdict(float)
    for entry in entries:
        totals[entry.kind] += entry.share
    for kind, total in sorted(totals.items(), key=lambda kv: -kv[1]):
        notes.append(f"{BPERF_KINDS[kind]} {total:.1%}: {_top_symbols(entries, kind)}")
    covered = sum(entry.share for entry in entries)
    if covered < 0.99:
        notes.append(f"the report's entries cover {covered:.1%} of samples (a percent limit?)")
    return notes


def load_bperf_report(path: Path) -> ProfileSection:
    """A section from ``bperf report --stdio`` output made elsewhere (needs a patched kernel)."""
    recorded = read_recorded(path, parse_bperf_report, "offcpu", "bperf report")
    if isinstance(recorded, ProfileSection):
        return recorded
    entries, name = recorded
    figures = _kind_figures(entries)
    return ProfileSection(
        "offcpu",
        True,
        label=f"blocked samples from bperf report {name}",
        figures=figures,
        notes=_bperf_notes(entries, figures),
    )
