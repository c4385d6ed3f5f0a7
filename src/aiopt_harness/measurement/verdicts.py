"""What ends a session with a verdict against a program: each call's process and clock
checks, each output's check against the task's initial program, a task whose outputs do
not depend on the input, and CPU spent outside the calls at the end."""

from __future__ import annotations

import statistics

from ..sandbox.verdict import Status
from ..sandbox.worker_client import CallReply, ProcessStats
from ..tasks.metric import OutputFormatError, metric_value
from ..tasks.output_check import describe_difference
from ..tasks.task import Task
from .session_records import Abort, Program
from .workers import Copy

CPU_SLACK_NS = 25_000_000  # /proc CPU times tick at 10 ms: two ticks and some
# CPU a candidate's process may spend beyond its calls' wall time, over the trusted
# program's own excess (input and output transfer between calls; see judge_excess_cpu):
EXCESS_CPU_SLACK_NS = 5_000_000
EXCESS_PER_CALL_FACTOR = 1.25  # of the trusted copies' upper per-call excess
EXCESS_SPREAD_FACTOR = 4.0  # standard deviations of the trusted copies' per-call excess
EXCESS_CPU_FRACTION = 0.10  # of its own calls' wall time
MIN_CHECKED_FOR_SEED_CHECK = 3  # checked calls before a constant output condemns the task


# --- after every call ---------------------------------------------------------------------


def judge_process(copy: Copy, reply: CallReply, stats: ProcessStats) -> None:
    """After call number ``copy.calls``: the process is single-threaded, childless, and
    used no more CPU since the last call than the call's round trip allows."""
    if stats.children:
        raise Abort(
            Status.CHILD_PROCESS,
            f"call {copy.calls}: the candidate's process has child process(es) "
            f"{', '.join(map(str, stats.children))}; candidates must not start processes",
            copy.program,
        )
    if stats.threads != 1:
        raise Abort(
            Status.THREAD_LEFT_RUNNING,
            f"call {copy.calls}: {stats.threads - 1} thread(s) still alive after "
            "aiopt_run returned; work must be finished (threads joined) inside the call",
            copy.program,
        )
    used = stats.cpu_ns - copy.cpu_after_last_ns
    if copy.calls > 1 and used > reply.observed_ns + CPU_SLACK_NS:
        raise Abort(
            Status.THREAD_LEFT_RUNNING,
            f"call {copy.calls}: the process used {used / 1e6:.1f} ms of CPU time across a "
            f"call of {reply.observed_ns / 1e6:.1f} ms: it ran between calls",
            copy.program,
        )


def judge_clock(copy: Copy, reply: CallReply) -> None:
    """The worker's reported times fit inside the harness's own clock."""
    if reply.wall_ns > reply.observed_ns or reply.cpu_ns > reply.observed_ns + CPU_SLACK_NS:
        raise Abort(
            Status.CLOCK_MISMATCH,
            f"call {copy.calls}: the worker reported {reply.wall_ns} ns wall and "
            f"{reply.cpu_ns} ns CPU for a call the harness's clock saw take "
            f"{reply.observed_ns} ns",
            copy.program,
        )


# --- every output ---------------------------------------------------------------------------


class OutputJudge:
    """Checks each program's outputs against the expected ones (the task's initial
    program's on the same input) and keeps the output metric of every checked call."""

    def __init__(self, programs: list[Program], task: Task) -> None:
        self.programs = programs
        self.task = task
        self.checked = 0
        self.metrics: list[list[float]] = [[] for _ in programs]
        self.expected_outputs: set[bytes] = set()  # the first two different ones

    def note_expected(self, expected: bytes) -> None:
        if len(self.expected_outputs) < 2:
            self.expected_outputs.add(expected)

    def check(self, program: int, seed: int, expected: bytes, output: bytes) -> None:
        if not self.programs[program].reference:
            difference = describe_difference(expected, output, self.task.check)
            if difference is not None:
                raise Abort(Status.WRONG_OUTPUT, f"input of seed {seed:#x}: {difference}", program)
        self.checked += 1
        metric = self.task.objective.metric
        if metric is not None:
            try:
                self.metrics[program].append(metric_value(output, metric))
            except OutputFormatError as error:
                raise Abort(
                    Status.WRONG_OUTPUT, f"input of seed {seed:#x}: {error}", program
                ) from error

    def seed_check(self) -> None:
        """A task whose initial program gives one output for every input lets a candidate
        hard-code it: such a task is rejected."""
        if self.checked >= MIN_CHECKED_FOR_SEED_CHECK and len(self.expected_outputs) < 2:
            raise Abort(
                Status.HARNESS_ERROR,
                f"task {self.task.name}: the initial program's output does not change with "
                "the seed; the task is unfit for timing (a constant answer would pass)",
                None,
            )


# --- at the end -----------------------------------------------------------------------------


def excess_per_call_allowance(trusted: list[float]) -> float:
    """The CPU per call a candidate's process may spend outside its calls, from what the
    trusted program's copies spent (``trusted``: ns per call, one value per copy): the
    largest of them or their mean plus EXCESS_SPREAD_FACTOR standard deviations,
    whichever is larger, times EXCESS_PER_CALL_FACTOR. An honest candidate moves the same
    inputs and outputs, so its excess is drawn from the same spread; a fixed factor of
    the trusted median (the rule before) rejected honest programs whose copies happened
    to spread wider (particles A/A: 168 ms against 159 ms)."""
    upper = max(trusted)
    if len(trusted) >= 2:
        spread = statistics.stdev(trusted)
        upper = max(upper, statistics.fmean(trusted) + EXCESS_SPREAD_FACTOR * spread)
    return EXCESS_PER_CALL_FACTOR * max(upper, 0.0)


def judge_excess_cpu(final_cpu: list[tuple[Copy, int]]) -> None:
    """The kernel's accounting at the end, from ``final_cpu`` (each copy with its CPU
    time just before it was told to quit, ``WorkerPool.finish``): that minus its CPU
    when aiopt_init had returned, minus the wall time of its calls, is what it spent
    outside its calls (reading inputs, writing outputs). One pinned CPU cannot spend more
    CPU than wall time inside a call, so a candidate's excess beyond what the trusted
    program needs means it ran on more than one CPU (a thread moved off the pinned CPU,
    or a child process it waited for), did work after returning, or reported its calls
    shorter than they were (a patched clock). The allowance is
    :func:`excess_per_call_allowance` per call, plus EXCESS_CPU_SLACK_NS and
    EXCESS_CPU_FRACTION of its calls' wall time."""
    spent: list[tuple[Copy, int]] = []
    trusted: list[float] = []  # per call, each trusted copy's CPU outside its calls
    for copy, cpu_ns in final_cpu:
        spent.append((copy, cpu_ns - copy.cpu_after_init_ns - copy.wall_ns))
        if copy.trusted and copy.calls > 0:
            # its in-call CPU, not its in-call wall: a trusted call preempted on a
            # loaded machine takes more wall than CPU, which made the trusted excess
            # (and the allowance) too small: false clock_mismatch verdicts
            outside = cpu_ns - copy.cpu_after_init_ns - copy.cpu_in_calls_ns
            trusted.append(max(outside, 0) / copy.calls)
    if not trusted:
        return
    per_call = excess_per_call_allowance(trusted)
    for copy, excess in spent:
        if copy.trusted:
            continue
        allowed = EXCESS_CPU_SLACK_NS + per_call * copy.calls + EXCESS_CPU_FRACTION * copy.wall_ns
        if excess > allowed:
            raise Abort(
                Status.CLOCK_MISMATCH,
                f"the kernel accounts {(excess + copy.wall_ns) / 1e6:.1f} ms of CPU time "
                f"after aiopt_init to the process and the children it waited for: "
                f"{copy.wall_ns / 1e6:.1f} ms in {copy.calls} calls as it reported them, "
                f"and {excess / 1e6:.1f} ms more, against an allowance of "
                f"{allowed / 1e6:.1f} ms ({per_call / 1e6:.3f} ms per call from the "
                f"task's initial program's {len(trusted)} copies, which spent "
                f"{min(trusted) / 1e6:.3f}-{max(trusted) / 1e6:.3f} ms per call outside "
                "their calls): its calls took longer than it reported, it worked after "
                "returning, or it ran on more than the one CPU it is pinned to (a thread "
                "moved off it, or child processes)",
                copy.program,
            )
