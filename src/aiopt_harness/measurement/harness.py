"""``check``, ``measure`` and ``compare``: compile, then run sandboxed sessions.

Every call of candidate code happens in a session (``session.py``): fresh inputs from the
task's generator, every output checked outside the candidate's process against the
task's initial program on the same input, the candidate's processes watched from
outside. ``check`` is a short session of one copy; ``measure`` times one program over
several copies; ``compare`` interleaves two programs over pairs of copies and estimates
the speedup with the copy pair as the statistical unit. Nothing is compiled while
anything is timed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Unpack

import numpy as np

from ..build.compiler import CompileOutcome, compile_candidate
from ..common.scratch import scratch_directory
from ..common.statistics import RatioEstimate, time_stats
from ..sandbox.verdict import Failure, Status
from ..tasks.task import Task, load_task
from .counter_summary import disabled_counters, summarize_counters
from .options import RunOptions, Settings, run_settings
from .results import CompareResult, CopyPair, CounterReading, MeasureResult, MetricReading
from .session import Plan, Program, SessionFailure, SessionResult, run_session

CHECK_ROUNDS = 3  # checked calls of ``check`` after its (random) warmup calls
MEASURE_COPIES = 4
COMPARE_COPIES = 12  # copy pairs: the statistical units of the speedup interval


def _task(task: Task | str | Path) -> Task:
    return task if isinstance(task, Task) else load_task(task)


def _compiled(
    source: Path, task: Task, repairs: list[str] | None = None
) -> CompileOutcome | Failure:
    compiled = compile_candidate(source, task.cxxflags)
    if repairs is not None:
        repairs.extend(compiled.cache_repairs)
    if compiled.object_file is None:
        return Failure(Status.COMPILE_ERROR, compiled.diagnostics)
    return compiled


def _reference(task: Task, repairs: list[str] | None = None) -> Path | Failure:
    """The object file of the task's initial program (the definition of correct)."""
    compiled = _compiled(task.initial, task, repairs)
    if isinstance(compiled, Failure):
        return Failure(
            Status.HARNESS_ERROR, f"the task's initial program does not compile: {compiled.message}"
        )
    assert compiled.object_file is not None
    return compiled.object_file


def _session(
    sources: list[Path],
    task: Task,
    settings: Settings,
    plan: Plan,
) -> tuple[SessionResult, list[Path]] | tuple[Failure, int | None]:
    """Compiles ``sources`` and runs one session of them; a failure names its program."""
    repairs: list[str] = []
    reference = _reference(task, repairs)
    if isinstance(reference, Failure):
        return reference, None
    programs = []
    for index, source in enumerate(sources):
        compiled = _compiled(source, task, repairs)
        if isinstance(compiled, Failure):
            return compiled, index
        assert compiled.object_file is not None
        programs.append(Program(compiled.object_file, compiled.object_file == reference))
    with scratch_directory("session") as scratch:
        outcome = run_session(
            programs,
            task,
            reference=reference,
            cpu=settings.pinned_cpu(),
            limits=settings.limits(plan.budget),
            plan=plan,
            scratch=Path(scratch),
            seed=settings.seed,
        )
    if isinstance(outcome, SessionFailure):
        return outcome.failure, outcome.program
    outcome.cache_repairs[:0] = repairs
    return outcome, [p.object_file for p in programs]


def _plan(settings: Settings, budget: float, copies: int, **rules: float | int) -> Plan:
    return Plan(
        budget=budget,
        copies=settings.copies or copies,
        timeout=settings.timeout,
        counters=settings.counter_spec(),
        inject_counter_errno=settings.counter_injection_spec(),
        sandbox=settings.sandbox(),
        **rules,  # type: ignore[arg-type]
    )


def _metric(task: Task, values: list[float]) -> MetricReading | None:
    objective = task.objective
    if objective.metric is None or not values:
        return None
    return MetricReading(objective.metric, objective.direction, math.fsum(values) / len(values))


def _samples(result: SessionResult) -> dict[str, np.ndarray]:
    calls = result.calls
    samples: dict[str, np.ndarray] = {
        "variant": np.asarray([c.program for c in calls], dtype=np.int8),
        "copy": np.asarray([c.copy for c in calls], dtype=np.int16),
        "round": np.asarray([c.round for c in calls], dtype=np.int32),
        "wall_ns": np.asarray([c.wall_ns for c in calls], dtype=np.int64),
        "cost_ns": np.asarray([c.cost_ns for c in calls], dtype=np.int64),
        "waited_ns": np.asarray(
            [math.nan if c.waited_ns is None else c.waited_ns for c in calls], dtype=np.float64
        ),
        "cpu_ns": np.asarray([c.cpu_ns for c in calls], dtype=np.int64),
        "observed_ns": np.asarray([c.observed_ns for c in calls], dtype=np.int64),
    }
    for column, status in enumerate(result.counter_status):
        samples[f"counter:{status['name']}"] = np.asarray(
            [c.counters[column] if column < len(c.counters) else math.nan for c in calls],
            dtype=np.float64,
        )
    return samples


def _counters(result: SessionResult, program: int) -> dict[str, CounterReading]:
    if not result.counter_status:
        from .. import _core  # the event names only

        return disabled_counters(_core.known_events())
    rows = [[None if math.isnan(v) else v for v in c.counters] for c in result.calls]
    return summarize_counters(
        result.counter_status,
        [str(s["name"]) for s in result.counter_status],
        rows,
        [c.program for c in result.calls],
        program,
    )


def _run_queue_correction(result: SessionResult) -> str:
    reason = result.run_queue_unavailable
    return "applied" if reason is None else f"unavailable: {reason}"


def _times(result: SessionResult, program: int, key: str) -> list[float]:
    return [float(getattr(c, key)) for c in result.calls if c.program == program]


@dataclass(frozen=True)
class CheckResult:
    """Whether a candidate compiles and passes the task's check on fresh inputs."""

    status: Status
    message: str
    metric: MetricReading | None = None  # output-metric tasks: its metric
    stderr: str = ""
    containment: str | None = None  # "full" or "partial (layer: reason)"; None: not run

    @property
    def ok(self) -> bool:
        return self.status is Status.OK


def check(
    candidate: str | Path,
    *,
    task: Task | str | Path,
    **options: Unpack[RunOptions],
) -> CheckResult:
    """Compiles the candidate and checks its output on a few fresh inputs (one copy, the
    same code path as timing: nothing tells the candidate it is only being checked)."""
    the_task = _task(task)
    settings = run_settings(options)
    plan = _plan(settings, 0.0, 1, min_rounds=CHECK_ROUNDS, max_rounds=CHECK_ROUNDS)
    outcome = _session([Path(candidate)], the_task, settings, plan)
    if isinstance(outcome[0], Failure):
        failure = outcome[0]
        return CheckResult(failure.status, failure.message, stderr=failure.stderr)
    result = outcome[0]
    return CheckResult(
        Status.OK,
        f"compiles and passes the check on {result.checked_calls} fresh inputs",
        _metric(the_task, result.metrics[0]),
        containment=result.containment.summary(),
    )


def measure(
    candidate: str | Path,
    *,
    task: Task | str | Path,
    budget: float = 1.0,
    max_calls: int = 10_000,
    **options: Unpack[RunOptions],
) -> MeasureResult:
    """Compiles and times one candidate: ``budget`` seconds of calls, each on a fresh
    input and checked, over several loaded copies (processes) pinned to ``cpu``."""
    the_task = _task(task)
    settings = run_settings(options)
    source = Path(candidate)
    copies = settings.copies or MEASURE_COPIES
    plan = _plan(settings, budget, MEASURE_COPIES, max_rounds=max(1, max_calls // copies))
    outcome = _session([source], the_task, settings, plan)
    if isinstance(outcome[0], Failure):
        failure = outcome[0]
        return MeasureResult(
            failure.status,
            failure.message,
            the_task.name,
            source,
            stdout=failure.stdout,
            stderr=failure.stderr,
        )
    result = outcome[0]
    wall = time_stats(_times(result, 0, "cost_ns"))
    return MeasureResult(
        Status.OK,
        f"{wall.n} timed calls on fresh inputs over {copies} copies, all checked; "
        f"stopped by {result.stopped_by}",
        the_task.name,
        source,
        objective=the_task.objective.kind,
        metric=_metric(the_task, result.metrics[0]),
        time_ns=wall,
        cpu_time_ns=time_stats(_times(result, 0, "cpu_ns")),
        counters=_counters(result, 0),
        offcpu=result.offcpu[0],
        cpu=settings.pinned_cpu(),
        stopped_by=result.stopped_by,
        samples=_samples(result),
        containment=result.containment.summary(),
        cache_repairs=list(result.cache_repairs),
        machine_load=dict(result.machine_load),
        run_queue_correction=_run_queue_correction(result),
    )


# Two measurements of one large speedup that differ by more than this factor do not
# confirm each other (honest re-measurements differ by the layouts drawn: a few percent).
CONFIRMATION_FACTOR = 1.5


def _confirms(a: RatioEstimate, b: RatioEstimate) -> bool:
    return max(a.estimate, b.estimate) / min(a.estimate, b.estimate) <= CONFIRMATION_FACTOR


def compare(
    baseline: str | Path,
    candidate: str | Path,
    *,
    task: Task | str | Path,
    budget: float = 2.0,
    precision: float = 0.0,
    min_rounds: int = 5,
    max_rounds: int = 1000,
    **options: Unpack[RunOptions],
) -> CompareResult:
    """Compiles both programs and times them interleaved, call by call, in processes of
    their own on one pinned CPU, every output checked.

    Rounds (ABBA or BAAB, at random, on fresh inputs) run over ``copies`` pairs of loaded
    copies until ``budget`` seconds are spent (at least 3 rounds per pair). With
    ``precision`` > 0 they stop early once the 95% interval's relative half-width is that
    small after ``min_rounds`` rounds per pair; that rule lowers the interval's coverage
    (it stops when the layouts drawn happen to agree), so it is off by default.
    speedup = baseline mean time per call / candidate mean time per call (every timed call
    counts: periodic work included): above 1 the candidate is faster. A speedup
    above ``plausible_speedup`` is measured again in fresh processes on fresh inputs; the
    more conservative of the two counts, and two more than 1.5x apart are ``implausible``.
    """
    the_task = _task(task)
    settings = run_settings(options)
    sources = [Path(baseline), Path(candidate)]
    plan = _plan(
        settings,
        budget,
        COMPARE_COPIES,
        precision=precision,
        min_rounds=min_rounds,
        max_rounds=max_rounds,
    )

    def failed(failure: Failure, program: int | None) -> CompareResult:
        who = {0: "baseline", 1: "candidate"}.get(-1 if program is None else program, "harness")
        return CompareResult(
            failure.status,
            f"{who}: {failure.message}",
            the_task.name,
            sources[0],
            sources[1],
            stdout=failure.stdout,
            stderr=failure.stderr,
        )

    outcome = _session(sources, the_task, settings, plan)
    if isinstance(outcome[0], Failure):
        return failed(outcome[0], outcome[1])
    result = outcome[0]
    estimate = result.estimate()
    note = ""
    if estimate.estimate > settings.plausible_speedup:
        again = _session(sources, the_task, settings, plan)
        if isinstance(again[0], Failure):
            return failed(again[0], again[1])
        second = again[0].estimate()
        if not _confirms(estimate, second):
            return failed(
                Failure(
                    Status.IMPLAUSIBLE,
                    f"a speedup of {estimate.estimate:.1f}x [{estimate.low:.1f}, "
                    f"{estimate.high:.1f}] was not confirmed by a fresh re-measurement: "
                    f"{second.estimate:.1f}x [{second.low:.1f}, {second.high:.1f}]",
                ),
                1,
            )
        note = (
            f"; above {settings.plausible_speedup:g}x, so re-measured in fresh processes: "
            f"{second.estimate:.2f}x [{second.low:.2f}, {second.high:.2f}]"
        )
        if second.low < estimate.low:
            result, estimate = again[0], second
    base_times = time_stats(_times(result, 0, "cost_ns"))
    cand_times = time_stats(_times(result, 1, "cost_ns"))
    pairs = len(result.per_copy_log_ratios)
    message = (
        f"{pairs} copy pairs x {result.rounds} rounds on fresh inputs, every output checked; "
        f"stopped by {result.stopped_by}; speedup in mean cost per call, 95% interval over "
        f"copy pairs{note}"
    )
    return CompareResult(
        Status.OK,
        message,
        the_task.name,
        sources[0],
        sources[1],
        objective=the_task.objective.kind,
        baseline_metric=_metric(the_task, result.metrics[0]),
        candidate_metric=_metric(the_task, result.metrics[1]),
        speedup=estimate.estimate,
        ci_low=estimate.low,
        ci_high=estimate.high,
        confidence=estimate.confidence,
        rounds=pairs * result.rounds,
        p10_ratio=base_times.p10 / cand_times.p10,
        best_case=result.best_case(),
        wall_score=result.wall_estimate(),
        copy_pairs=[
            CopyPair(stratum, baseline, candidate)
            for stratum, (baseline, candidate) in zip(
                result.strata(), result.pair_totals(), strict=True
            )
        ],
        run_queue_correction=_run_queue_correction(result),
        baseline_time_ns=base_times,
        candidate_time_ns=cand_times,
        baseline_counters=_counters(result, 0),
        candidate_counters=_counters(result, 1),
        candidate_cpu_time_ns=time_stats(_times(result, 1, "cpu_ns")),
        candidate_offcpu=result.offcpu[1],
        cpu=settings.pinned_cpu(),
        stopped_by=result.stopped_by,
        samples=_samples(result),
        containment=result.containment.summary(),
        cache_repairs=list(result.cache_repairs),
        machine_load=dict(result.machine_load),
    )
