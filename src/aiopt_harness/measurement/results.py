"""Typed results of ``measure`` and ``compare``; ``to_dict()`` gives their JSON form."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..common.statistics import RatioEstimate, TimeStats
from ..sandbox.verdict import Status


@dataclass(frozen=True)
class CounterReading:
    """One perf_event counter: the median per-call delta, or why there is none."""

    name: str
    available: bool
    value: float | None = None
    reason: str = ""
    calls: int = 0  # calls in which the counter was scheduled
    user_space_only: bool = False

    def to_dict(self) -> dict[str, Any]:
        if not self.available:
            return {"available": False, "reason": self.reason}
        entry: dict[str, Any] = {"available": True, "value": self.value, "calls": self.calls}
        if self.user_space_only:
            entry["user_space_only"] = True
        return entry


@dataclass(frozen=True)
class MetricReading:
    """An output-metric task's metric: the mean over inputs of the ``name=`` line."""

    name: str
    direction: str  # "maximize" or "minimize"
    value: float

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "direction": self.direction, "value": self.value}


@dataclass(frozen=True)
class CopyPair:
    """One copy pair of a compare, the score's statistical unit: its code-alignment
    stratum and the total cost of each program's timed calls (the same number of each)."""

    stratum: int
    baseline_cost_ns: float
    candidate_cost_ns: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "stratum": self.stratum,
            "baseline_cost_ns": self.baseline_cost_ns,
            "candidate_cost_ns": self.candidate_cost_ns,
        }


def _counters_dict(counters: dict[str, CounterReading]) -> dict[str, Any]:
    return {name: reading.to_dict() for name, reading in counters.items()}


@dataclass
class MeasureResult:
    status: Status
    message: str
    task: str
    candidate: Path
    objective: str = "time"
    metric: MetricReading | None = None
    time_ns: TimeStats | None = None
    cpu_time_ns: TimeStats | None = None
    counters: dict[str, CounterReading] = field(default_factory=dict)
    # The measuring thread over the timing phase: totals of the timed calls' wall and CPU
    # time, context switches (getrusage), run-queue wait (schedstat; None if unavailable)
    offcpu: dict[str, int | None] = field(default_factory=dict)
    cpu: int | None = None
    stopped_by: str | None = None
    samples: dict[str, np.ndarray] = field(default_factory=dict)
    stdout: str = ""
    stderr: str = ""
    containment: str | None = None  # "full" or "partial (layer: reason)"; None: not run
    cache_repairs: list[str] = field(default_factory=list)  # tampered entries rebuilt
    # busy shares over the timed rounds: measuring_cpu_busy, other_cpus_busy (None: unread)
    machine_load: dict[str, float | None] = field(default_factory=dict)
    # "applied": each call's time is its wall time without the run-queue wait other
    # processes caused (sandbox/run_queue.py); else "unavailable: <reason>" (wall times)
    run_queue_correction: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is Status.OK

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "status": self.status.value,
            "message": self.message,
            "task": self.task,
            "candidate": str(self.candidate),
            "objective": self.objective,
        }
        if self.metric is not None:
            result["metric"] = self.metric.to_dict()
        if self.time_ns is not None:
            result["time_ns"] = self.time_ns.to_dict()
        if self.cpu_time_ns is not None:
            result["cpu_time_ns"] = self.cpu_time_ns.to_dict()
        if self.counters:
            result["counters"] = _counters_dict(self.counters)
        if self.offcpu:
            result["offcpu"] = dict(self.offcpu)
        if self.cpu is not None:
            result["cpu"] = self.cpu
        if self.stopped_by is not None:
            result["stopped_by"] = self.stopped_by
        if self.containment is not None:
            result["containment"] = self.containment
        if self.cache_repairs:
            result["cache_repairs"] = list(self.cache_repairs)
        if self.machine_load:
            result["machine_load"] = dict(self.machine_load)
        if self.run_queue_correction is not None:
            result["run_queue_correction"] = self.run_queue_correction
        if self.stdout:
            result["stdout"] = self.stdout
        if self.stderr:
            result["stderr"] = self.stderr
        return result


@dataclass
class CompareResult:
    status: Status
    message: str
    task: str
    baseline: Path
    candidate: Path
    objective: str = "time"
    baseline_metric: MetricReading | None = None
    candidate_metric: MetricReading | None = None
    speedup: float | None = None  # baseline time / candidate time; > 1: candidate faster
    ci_low: float | None = None
    ci_high: float | None = None
    confidence: float | None = None  # exact coverage of [ci_low, ci_high]
    rounds: int = 0
    p10_ratio: float | None = None  # baseline p10 / candidate p10, a second estimate
    # The best-case figure: per round the fastest call of each program (median over
    # rounds, mean over pairs). Blind to periodic work: a second number, never the score.
    best_case: RatioEstimate | None = None
    # The score from wall times, the run-queue wait for other processes included: a
    # second number (the score without its correction), never the score.
    wall_score: RatioEstimate | None = None
    copy_pairs: list[CopyPair] = field(default_factory=list)  # the score's units
    baseline_time_ns: TimeStats | None = None
    candidate_time_ns: TimeStats | None = None
    baseline_counters: dict[str, CounterReading] = field(default_factory=dict)
    candidate_counters: dict[str, CounterReading] = field(default_factory=dict)
    candidate_cpu_time_ns: TimeStats | None = None
    candidate_offcpu: dict[str, int | None] = field(default_factory=dict)
    cpu: int | None = None
    stopped_by: str | None = None
    samples: dict[str, np.ndarray] = field(default_factory=dict)
    stdout: str = ""
    stderr: str = ""
    containment: str | None = None  # "full" or "partial (layer: reason)"; None: not run
    cache_repairs: list[str] = field(default_factory=list)  # tampered entries rebuilt
    # busy shares over the timed rounds: measuring_cpu_busy, other_cpus_busy (None: unread)
    machine_load: dict[str, float | None] = field(default_factory=dict)
    # "applied": each call's time is its wall time without the run-queue wait other
    # processes caused (sandbox/run_queue.py); else "unavailable: <reason>" (wall times)
    run_queue_correction: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is Status.OK

    def candidate_measurement(self) -> MeasureResult:
        """The candidate's side of this comparison as a measurement (its timed calls,
        counters and off-CPU figures), so that a profile need not time it again."""
        return MeasureResult(
            self.status,
            f"the candidate's side of a comparison: {self.message}",
            self.task,
            self.candidate,
            objective=self.objective,
            metric=self.candidate_metric,
            time_ns=self.candidate_time_ns,
            cpu_time_ns=self.candidate_cpu_time_ns,
            counters=dict(self.candidate_counters),
            offcpu=dict(self.candidate_offcpu),
            cpu=self.cpu,
            stopped_by=self.stopped_by,
            containment=self.containment,
            machine_load=dict(self.machine_load),
            run_queue_correction=self.run_queue_correction,
        )

    @property
    def metric_better(self) -> bool | None:
        """Whether the candidate's metric beats the baseline's (None for time tasks)."""
        if self.baseline_metric is None or self.candidate_metric is None:
            return None
        if self.candidate_metric.direction == "maximize":
            return self.candidate_metric.value > self.baseline_metric.value
        return self.candidate_metric.value < self.baseline_metric.value

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "status": self.status.value,
            "message": self.message,
            "task": self.task,
            "baseline": str(self.baseline),
            "candidate": str(self.candidate),
            "objective": self.objective,
        }
        if self.baseline_metric is not None and self.candidate_metric is not None:
            result["metric"] = {
                "name": self.candidate_metric.name,
                "direction": self.candidate_metric.direction,
                "baseline": self.baseline_metric.value,
                "candidate": self.candidate_metric.value,
                "candidate_better": self.metric_better,
            }
        if self.speedup is not None:
            result.update(
                {
                    "speedup": self.speedup,
                    "ci_low": self.ci_low,
                    "ci_high": self.ci_high,
                    "confidence": self.confidence,
                    "rounds": self.rounds,
                    "p10_ratio": self.p10_ratio,
                    "stopped_by": self.stopped_by,
                    "score": "mean cost per call (baseline mean / candidate mean)",
                }
            )
        if self.best_case is not None:
            result["best_case"] = {
                "speedup": self.best_case.estimate,
                "ci_low": self.best_case.low,
                "ci_high": self.best_case.high,
            }
        if self.wall_score is not None:
            result["wall_score"] = {
                "speedup": self.wall_score.estimate,
                "ci_low": self.wall_score.low,
                "ci_high": self.wall_score.high,
            }
        if self.copy_pairs:
            result["copy_pairs"] = [pair.to_dict() for pair in self.copy_pairs]
        if self.baseline_time_ns is not None and self.candidate_time_ns is not None:
            result["time_ns"] = {
                "baseline": self.baseline_time_ns.to_dict(),
                "candidate": self.candidate_time_ns.to_dict(),
            }
        if self.baseline_counters or self.candidate_counters:
            result["counters"] = {
                "baseline": _counters_dict(self.baseline_counters),
                "candidate": _counters_dict(self.candidate_counters),
            }
        if self.cpu is not None:
            result["cpu"] = self.cpu
        if self.containment is not None:
            result["containment"] = self.containment
        if self.cache_repairs:
            result["cache_repairs"] = list(self.cache_repairs)
        if self.machine_load:
            result["machine_load"] = dict(self.machine_load)
        if self.run_queue_correction is not None:
            result["run_queue_correction"] = self.run_queue_correction
        if self.stdout:
            result["stdout"] = self.stdout
        if self.stderr:
            result["stderr"] = self.stderr
        return result
