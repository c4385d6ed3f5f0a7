"""``measure`` and ``compare``: compile, check against the reference, then time.

Order of work for every candidate: compile (cached) -> reference outputs of the task's
initial program (cached) -> the candidate's outputs on every input, checked -> timing.
Nothing is compiled while anything is timed, and no timing happens before the check.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Unpack

import numpy as np

from .. import _core
from ..build.compiler import compile_candidate
from ..common.statistics import median_ratio, round_log_ratios, time_stats
from ..sandbox.runs import FailedProgram, Settings, TimingRun, record_outputs, time_programs
from ..sandbox.verdict import Failure, Status
from ..tasks.metric import OutputFormatError, metric_value
from ..tasks.output_check import describe_difference
from ..tasks.task import Task, load_task
from .counter_summary import disabled_counters, summarize_counters
from .options import RunOptions, run_settings
from .reference import reference_outputs
from .results import CompareResult, CounterReading, MeasureResult, MetricReading


def _task(task: Task | str | Path) -> Task:
    return task if isinstance(task, Task) else load_task(task)


@dataclass(frozen=True)
class CheckedProgram:
    """A candidate that compiled and passed the check on every input."""

    shared_object: Path
    metric: MetricReading | None  # output-metric tasks: the metric of its outputs


def _metric(task: Task, outputs: list[bytes]) -> MetricReading | Failure | None:
    objective = task.objective
    if objective.metric is None:
        return None
    values = []
    for path, output in zip(task.inputs, outputs, strict=True):
        try:
            values.append(metric_value(output, objective.metric))
        except OutputFormatError as error:
            return Failure(Status.WRONG_OUTPUT, f"input {path.name}: {error}")
    return MetricReading(objective.metric, objective.direction, statistics.fmean(values))


def _checked_program(source: Path, task: Task, settings: Settings) -> CheckedProgram | Failure:
    """Compiles the candidate and checks its output on every input against the reference."""
    compiled = compile_candidate(source, task.cxxflags)
    if compiled.shared_object is None:
        return Failure(Status.COMPILE_ERROR, compiled.diagnostics)
    reference_object, expected = reference_outputs(task, settings)
    outputs = expected  # the initial program itself is checked by definition
    if compiled.shared_object != reference_object:
        recorded = record_outputs([compiled.shared_object], list(task.inputs), settings)
        if isinstance(recorded, FailedProgram):
            return recorded.failure
        outputs = recorded[0]
        for path, want, got in zip(task.inputs, expected, outputs, strict=True):
            difference = describe_difference(want, got, task.check)
            if difference is not None:
                return Failure(Status.WRONG_OUTPUT, f"input {path.name}: {difference}")
    metric = _metric(task, outputs)
    if isinstance(metric, Failure):
        return metric
    return CheckedProgram(compiled.shared_object, metric)


@dataclass(frozen=True)
class CheckResult:
    """Whether a candidate compiles and passes the task's check on every input."""

    status: Status
    message: str
    metric: MetricReading | None = None  # output-metric tasks: its metric
    stderr: str = ""

    @property
    def ok(self) -> bool:
        return self.status is Status.OK


def check(
    candidate: str | Path,
    *,
    task: Task | str | Path,
    **options: Unpack[RunOptions],
) -> CheckResult:
    """Compiles the candidate and checks its output on every input (no timing)."""
    the_task = _task(task)
    settings = run_settings(options)
    checked = _checked_program(Path(candidate), the_task, settings)
    if isinstance(checked, Failure):
        return CheckResult(checked.status, checked.message, stderr=checked.stderr)
    return CheckResult(Status.OK, "compiles and passes the check on every input", checked.metric)


def _samples(result: dict[str, Any]) -> dict[str, np.ndarray]:
    calls = result["calls"]
    samples: dict[str, np.ndarray] = {
        "variant": np.asarray(calls["variant"], dtype=np.int8),
        "round": np.asarray(calls["round"], dtype=np.int32),
        "wall_ns": np.asarray(calls["wall_ns"], dtype=np.int64),
        "cpu_ns": np.asarray(calls["cpu_ns"], dtype=np.int64),
    }
    for column, name in enumerate(result["counter_names"]):
        samples[f"counter:{name}"] = np.asarray(
            [math.nan if row[column] is None else row[column] for row in result["counter_values"]],
            dtype=np.float64,
        )
    return samples


def _variant_times(result: dict[str, Any], variant: int, key: str) -> list[float]:
    calls = result["calls"]
    return [float(t) for v, t in zip(calls["variant"], calls[key], strict=True) if v == variant]


def _offcpu(result: dict[str, Any]) -> dict[str, int | None]:
    calls = result["calls"]
    return {
        "calls": len(calls["wall_ns"]),
        "wall_ns": int(sum(calls["wall_ns"])),
        "cpu_ns": int(sum(calls["cpu_ns"])),
        **result["thread"],
    }


def _counters(timing: TimingRun, variant: int) -> dict[str, CounterReading]:
    result = timing.result
    if not result["counter_status"]:
        return disabled_counters(_core.known_events())
    return summarize_counters(
        result["counter_status"],
        result["counter_names"],
        result["counter_values"],
        result["calls"]["variant"],
        variant,
    )


def measure(
    candidate: str | Path,
    *,
    task: Task | str | Path,
    budget: float = 1.0,
    max_calls: int = 10_000,
    **options: Unpack[RunOptions],
) -> MeasureResult:
    """Compiles, checks and times one candidate on the task's timing input.

    Times calls of ``aiopt_run`` for about ``budget`` seconds (at least 6 calls) after
    ``warmup`` untimed calls, in an isolated process pinned to ``cpu`` (default: the last
    CPU). ``timeout`` bounds each isolated run (plus ``budget`` for the timing run).
    """
    the_task = _task(task)
    settings = run_settings(options)
    source = Path(candidate)

    def failed(failure: Failure) -> MeasureResult:
        return MeasureResult(
            failure.status,
            failure.message,
            the_task.name,
            source,
            stdout=failure.stdout,
            stderr=failure.stderr,
        )

    checked = _checked_program(source, the_task, settings)
    if isinstance(checked, Failure):
        return failed(checked)
    timing = time_programs(
        [checked.shared_object],
        the_task.timing_input,
        settings,
        budget=budget,
        min_rounds=1,
        max_rounds=max_calls,
        precision=0.0,
    )
    if isinstance(timing, FailedProgram):
        return failed(timing.failure)
    result = timing.result
    wall = time_stats(_variant_times(result, 0, "wall_ns"))
    return MeasureResult(
        Status.OK,
        f"{wall.n} timed calls, stopped by {result['stopped_by']}",
        the_task.name,
        source,
        objective=the_task.objective.kind,
        metric=checked.metric,
        time_ns=wall,
        cpu_time_ns=time_stats(_variant_times(result, 0, "cpu_ns")),
        counters=_counters(timing, 0),
        offcpu=_offcpu(result),
        cpu=settings.pinned_cpu(),
        stopped_by=result["stopped_by"],
        samples=_samples(result),
        stdout=timing.stdout,
        stderr=timing.stderr,
    )


def compare(
    baseline: str | Path,
    candidate: str | Path,
    *,
    task: Task | str | Path,
    budget: float = 3.0,
    precision: float = 0.01,
    min_rounds: int = 30,
    max_rounds: int = 5000,
    **options: Unpack[RunOptions],
) -> CompareResult:
    """Compiles and checks both programs, then times them interleaved in one process.

    Rounds of ABBA or BAAB (chosen at random) continue until the 95% interval of the
    speedup is within ``precision`` (relative half-width) after at least ``min_rounds``
    rounds, or ``budget`` seconds of timing are spent. speedup = baseline time /
    candidate time: above 1 the candidate is faster.
    """
    the_task = _task(task)
    settings = run_settings(options)
    base_source, cand_source = Path(baseline), Path(candidate)

    def failed(failure: Failure, who: str) -> CompareResult:
        return CompareResult(
            failure.status,
            f"{who}: {failure.message}",
            the_task.name,
            base_source,
            cand_source,
            stdout=failure.stdout,
            stderr=failure.stderr,
        )

    programs: list[CheckedProgram] = []
    for who, source in (("baseline", base_source), ("candidate", cand_source)):
        checked = _checked_program(source, the_task, settings)
        if isinstance(checked, Failure):
            return failed(checked, who)
        programs.append(checked)

    timing = time_programs(
        [program.shared_object for program in programs],
        the_task.timing_input,
        settings,
        budget=budget,
        min_rounds=min_rounds,
        max_rounds=max_rounds,
        precision=precision,
    )
    if isinstance(timing, FailedProgram):
        who = {0: "baseline", 1: "candidate"}.get(
            -1 if timing.program is None else timing.program, "baseline or candidate (interleaved)"
        )
        return failed(timing.failure, who)
    result = timing.result
    calls = result["calls"]
    estimate = median_ratio(round_log_ratios(calls["variant"], calls["round"], calls["wall_ns"]))
    base_times = time_stats(_variant_times(result, 0, "wall_ns"))
    cand_times = time_stats(_variant_times(result, 1, "wall_ns"))
    message = (
        f"{estimate.n} rounds, stopped by {result['stopped_by']}; interval covers "
        f"{estimate.confidence:.1%}"
    )
    return CompareResult(
        Status.OK,
        message,
        the_task.name,
        base_source,
        cand_source,
        objective=the_task.objective.kind,
        baseline_metric=programs[0].metric,
        candidate_metric=programs[1].metric,
        speedup=estimate.estimate,
        ci_low=estimate.low,
        ci_high=estimate.high,
        confidence=estimate.confidence,
        rounds=estimate.n,
        p10_ratio=base_times.p10 / cand_times.p10,
        baseline_time_ns=base_times,
        candidate_time_ns=cand_times,
        baseline_counters=_counters(timing, 0),
        candidate_counters=_counters(timing, 1),
        cpu=settings.pinned_cpu(),
        stopped_by=result["stopped_by"],
        samples=_samples(result),
        stdout=timing.stdout,
        stderr=timing.stderr,
    )
