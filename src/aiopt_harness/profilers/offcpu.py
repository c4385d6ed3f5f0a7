"""Off-CPU time: when the candidate's thread was not running, and why.

Three sources:

- native figures, always available: the measurement's wall vs thread-CPU time, context
  switches (getrusage) and run-queue wait (``/proc/thread-self/schedstat``);
- as root, the profile's perf recording with ``sched:sched_switch`` (blocked.py): the
  calling thread's time off the CPU per line and by cause (sleep, lock, I/O, waiting for
  a CPU held by its own threads or by other processes);
- ``bperf report`` output made elsewhere (bperf needs a patched kernel): shares of
  on-CPU (user, kernel) and blocked (I/O, lock, run queue, other) samples by symbol.
"""

from __future__ import annotations

import re
import shutil
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..common.artifact_text import artifact_safe
from .blocked import CAUSE_WORDS, LineBlocked, intervals, per_cause, per_line
from .context import ProfileContext
from .errors import ProfilerOutputError, ToolFailedError
from .recording import sched_unavailable
from .section import LineHotspot, ProfileSection, unavailable
from .shared import demangle, read_recorded, short_symbol

TOP_LINES = 10
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
_PERCENT_START = re.compile(r"^\s*\d+(?:\.\d+)?%")
_BPERF_ENTRY = re.compile(
    r"^\s*(?P<first>\d+(?:\.\d+)?)%\s+(?:(?P<second>\d+(?:\.\d+)?)%\s+)?"
    r"(?P<columns>.*?)\s*\[(?P<kind>.)\]\s+(?P<symbol>\S.*?)\s*$"
)


class BperfReportError(ProfilerOutputError):
    """``bperf report`` output that cannot be read; ``line`` is the 1-based line number."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"bperf report line {line}: {message}" if line else message)
        self.line = line


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


def _native_notes(
    figures: dict[str, float | int | str], blocked: dict[str, float | int | str]
) -> list[str]:
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
            "a CPU"
            + (
                ""
                if "blocked_us_per_call_cpu_wait_own" in blocked
                else f" (held by its own threads or other processes: not known, per-line "
                f"blocked time {blocked.get('blocked_by_line', 'unavailable')})"
            )
        )
    return notes


# --- blocked time by line (perf record, sched:sched_switch) -------------------------------


def _blocked_hotspots(ctx: ProfileContext, lines: list[LineBlocked]) -> list[LineHotspot]:
    return [
        LineHotspot(
            line=entry.line,
            source=ctx.line_text(entry.line),
            metrics={
                "offcpu_us_per_call": round(entry.total_us, 1),
                **{f"{cause}_us": us for cause, us in entry.us_by_cause.items() if us > 0},
            },
            rank_value=entry.total_us,
        )
        for entry in lines[:TOP_LINES]
        if entry.total_us > 0
    ]


def _blocked_notes(by_cause: dict[str, float], wall_us: float) -> list[str]:
    total = sum(by_cause.values())
    if total <= 0:
        return ["perf: the calling thread did not leave the CPU during the recorded calls"]
    parts = [
        f"{us:g} us {CAUSE_WORDS[cause]}"
        for cause, us in sorted(by_cause.items(), key=lambda kv: -kv[1])
        if us > 0
    ]
    notes = [
        f"perf: off the CPU {total:.1f} us per call of {wall_us:.1f} us (the driver's calls "
        f"under perf): " + ", ".join(parts)
    ]
    waiting = by_cause["cpu_wait_own"] + by_cause["cpu_wait_other"]
    if waiting > 0:
        notes.append(
            f"perf: of its {waiting:.1f} us per call runnable but waiting for a CPU after "
            f"preemption, {by_cause['cpu_wait_own'] / waiting:.0%} was behind the "
            "candidate's own threads"
        )
    return notes


def _blocked(
    ctx: ProfileContext,
) -> tuple[dict[str, float | int | str], list[LineHotspot], list[str]]:
    """Figures, lines and notes of blocked time from the profile's perf recording, or the
    reason there are none."""
    shared = ctx.shared_recording
    if shared is None or shared.made is None:  # check before paying for a recording
        if shutil.which("perf") is None:
            return {"blocked_by_line": "unavailable: perf not found (install linux-perf)"}, [], []
        reason = sched_unavailable()
        if reason is not None:
            return {"blocked_by_line": f"unavailable: {reason}"}, [], []
    try:
        recording = ctx.perf_recording()
    except (ToolFailedError, ProfilerOutputError) as error:
        return {"blocked_by_line": f"unavailable: {error}"}, [], []
    if recording.sched_unavailable is not None:
        return {"blocked_by_line": f"unavailable: {recording.sched_unavailable}"}, [], []
    found = intervals(recording)
    by_cause = per_cause(found, recording.calls)
    figures: dict[str, float | int | str] = {
        "blocked_by_line": f"{len(found)} switches over {recording.calls} calls",
        **{f"blocked_us_per_call_{cause}": us for cause, us in by_cause.items()},
    }
    lines = per_line(found, recording.calls)
    notes = _blocked_notes(by_cause, recording.wall_us_per_call)
    return figures, _blocked_hotspots(ctx, lines), notes


def run(ctx: ProfileContext) -> ProfileSection:
    """Off-CPU figures of the measurement, plus blocked time by line and cause from perf
    (sched:sched_switch, as root)."""
    offcpu = ctx.measurement.get("offcpu")
    if not offcpu:
        return unavailable("offcpu", "the measurement has no off-CPU figures")
    if int(offcpu.get("calls", 0)) <= 0 or int(offcpu.get("wall_ns", 0)) <= 0:
        return unavailable("offcpu", "the measurement timed no calls")
    figures = _native_figures(offcpu)
    blocked_figures, hotspots, blocked_notes = _blocked(ctx)
    notes = _native_notes(figures, blocked_figures)
    return ProfileSection(
        "offcpu",
        True,
        label=(
            "the measuring thread: wall vs thread CPU time, getrusage switches, schedstat; "
            "per line: perf record of sched:sched_switch with call stacks (as root), "
            "microseconds off the CPU per aiopt_run call by cause"
        ),
        figures={**figures, **blocked_figures},
        hotspots=hotspots,
        notes=notes[:1] + blocked_notes + notes[1:],
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
