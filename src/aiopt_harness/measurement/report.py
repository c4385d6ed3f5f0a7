"""Readable text tables for measure and compare results. Formats; never measures."""

from __future__ import annotations

from ..common.statistics import TimeStats
from .results import CompareResult, CounterReading, MeasureResult


def _ms(ns: float) -> str:
    return f"{ns / 1e6:.4f} ms"


def _time_rows(label: str, stats: TimeStats) -> list[str]:
    return [
        f"{label:<12} min {_ms(stats.min)}   p10 {_ms(stats.p10)}   median {_ms(stats.median)}"
        f"   ({stats.n} calls)"
    ]


def _counter_value(reading: CounterReading) -> str:
    if not reading.available:
        return f"unavailable: {reading.reason}"
    assert reading.value is not None
    note = " (user space only)" if reading.user_space_only else ""
    return f"{reading.value:,.0f} per call{note}"


def _counter_rows(counters: dict[str, CounterReading]) -> list[str]:
    if not counters:
        return []
    reasons = {reading.reason for reading in counters.values() if not reading.available}
    if len(reasons) == 1 and not any(reading.available for reading in counters.values()):
        return [f"counters: all unavailable: {reasons.pop()}"]
    width = max(len(name) for name in counters)
    return ["counters (median per call):"] + [
        f"  {name:<{width}}  {_counter_value(reading)}" for name, reading in counters.items()
    ]


def format_measure(result: MeasureResult) -> str:
    lines = [f"status       {result.status.value}", f"message      {result.message}"]
    if result.metric is not None:
        lines.append(
            f"metric       {result.metric.name} = {result.metric.value:.6f} "
            f"({result.metric.direction})"
        )
    if result.time_ns is not None:
        lines += _time_rows("wall time", result.time_ns)
    if result.cpu_time_ns is not None:
        lines += _time_rows("thread CPU", result.cpu_time_ns)
    if result.cpu is not None:
        lines.append(f"pinned CPU   {result.cpu}")
    if result.containment is not None:
        lines.append(f"containment  {result.containment}")
    lines += [f"cache        {repair}" for repair in result.cache_repairs]
    lines += _counter_rows(result.counters)
    return "\n".join(lines)


def format_compare(result: CompareResult) -> str:
    lines = [f"status       {result.status.value}", f"message      {result.message}"]
    base, cand = result.baseline_metric, result.candidate_metric
    if base is not None and cand is not None:
        verdict = "candidate better" if result.metric_better else "candidate not better"
        lines.append(
            f"metric       {cand.name} ({cand.direction}): baseline {base.value:.6f}, "
            f"candidate {cand.value:.6f}  ({verdict}; the task's objective)"
        )
    if result.speedup is not None:
        verdict = (
            "candidate faster"
            if (result.ci_low or 0) > 1
            else ("candidate slower" if (result.ci_high or 2) < 1 else "no significant difference")
        )
        lines.append(
            f"speedup      {result.speedup:.4f}  interval [{result.ci_low:.4f}, "
            f"{result.ci_high:.4f}]  ({verdict}; baseline time / candidate time)"
        )
    if result.baseline_time_ns is not None:
        lines += _time_rows("baseline", result.baseline_time_ns)
    if result.candidate_time_ns is not None:
        lines += _time_rows("candidate", result.candidate_time_ns)
    if result.cpu is not None:
        lines.append(f"pinned CPU   {result.cpu}")
    if result.containment is not None:
        lines.append(f"containment  {result.containment}")
    lines += [f"cache        {repair}" for repair in result.cache_repairs]
    rows = _counter_rows(result.candidate_counters)
    if rows:
        lines += ["candidate " + rows[0], *rows[1:]]
    return "\n".join(lines)
