"""The kernel's accounting over a session's timed rounds, read from /proc (common.procfs):
each worker's run time, run-queue wait, timeslices and context switches (the off-CPU
figures), and how busy the machine's CPUs were."""

from __future__ import annotations

from pathlib import Path

from ..common.procfs import CpuTicks, busy_fractions, read_context_switches, read_schedstat
from .session_records import Call

Figures = dict[str, int | None]


def sched_figures(pid: int) -> Figures:
    """Run time, run-queue wait, timeslices and context switches of a worker's thread."""
    figures: Figures = {
        "run_ns": None,
        "runqueue_wait_ns": None,
        "timeslices": None,
        "voluntary_switches": None,
        "involuntary_switches": None,
    }
    sched = read_schedstat(Path(f"/proc/{pid}/schedstat"))
    if sched is not None:  # else: a kernel without CONFIG_SCHEDSTATS, unavailable
        figures.update(
            run_ns=sched.run_ns, runqueue_wait_ns=sched.wait_ns, timeslices=sched.timeslices
        )
    switches = read_context_switches(pid)
    if switches.voluntary is not None:
        figures["voluntary_switches"] = switches.voluntary
    if switches.involuntary is not None:
        figures["involuntary_switches"] = switches.involuntary
    return figures


def snapshot(pids: list[list[int]]) -> list[list[Figures]]:
    """:func:`sched_figures` of every worker (per program, per copy)."""
    return [[sched_figures(pid) for pid in row] for row in pids]


def _delta(before: Figures, after: Figures) -> Figures:
    return {
        key: None if before[key] is None or after[key] is None else after[key] - before[key]  # type: ignore[operator]
        for key in before
    }


def _sum(figures: list[Figures]) -> Figures:
    total: Figures = {}
    for key in figures[0]:
        values = [f[key] for f in figures]
        total[key] = None if any(v is None for v in values) else sum(v for v in values if v)
    return total


def offcpu_per_program(
    before: list[list[Figures]], after: list[list[Figures]], calls: list[Call]
) -> list[Figures]:
    """Per program, its copies' figures over the timed rounds, summed, with the count,
    wall time and CPU time of its timed calls."""
    offcpu = []
    for p, (rows_before, rows_after) in enumerate(zip(before, after, strict=True)):
        figures = _sum([_delta(b, a) for b, a in zip(rows_before, rows_after, strict=True)])
        mine = [c for c in calls if c.program == p]
        voluntary = figures["voluntary_switches"]
        if voluntary is not None:
            # each request is awaited in a blocking read: one switch per call is the
            # worker's, not the candidate's
            figures["voluntary_switches"] = max(0, voluntary - len(mine))
        figures.update(
            calls=len(mine),
            wall_ns=sum(c.wall_ns for c in mine),
            # taken off the calls' wall times as other processes' (None: not measured)
            waited_in_calls_ns=(
                sum(c.wall_ns - c.cost_ns for c in mine)
                if all(c.waited_ns is not None for c in mine)
                else None
            ),
            cpu_ns=sum(c.cpu_ns for c in mine),
        )
        offcpu.append(figures)
    return offcpu


def machine_load(
    before: dict[int, CpuTicks], after: dict[int, CpuTicks], measuring_cpu: int
) -> dict[str, float | None]:
    """The busy share of the measuring CPU and the mean busy share of the other CPUs
    between two /proc/stat reads: whether the machine was quiet or loaded (a busy
    sibling CPU changes how code runs on some hosts)."""
    shares = busy_fractions(before, after)
    others = [share for cpu, share in shares.items() if cpu != measuring_cpu]
    return {
        "measuring_cpu_busy": shares.get(measuring_cpu),
        "other_cpus_busy": sum(others) / len(others) if others else None,
    }
