"""Readable text tables for measure and compare results. Formats; never measures."""

from __future__ import annotations

from ..common.statistics import TimeStats
from .results import CompareResult, CounterReading, MeasureResult


def _ms(ns: float) -> str:
    return f"{ns / 1e6:.4f} ms"


def _time_rows(label: str, stats: TimeStats) -> list[str]:
    return [
        f"{label:<12} mean {_ms(stats.mean)}   min {_ms(stats.min)}   median "
        f"{_ms(stats.median)}   p90 {_ms(stats.p90)}   p99 {_ms(stats.p99)}   max "
        f"{_ms(stats.max)}   ({stats.n} calls)",
        f"{'':<12} {tail_sentence(stats)}",
    ]


def tail_sentence(stats: TimeStats) -> str:
    """The per-call spread in words: how much slower than the median the slow calls are."""
    tail = stats.tail()
    if not tail:
        return "per-call spread: unavailable: no positive median"
    return (
        f"per-call spread over the median: p90 {tail['p90_over_median']:.2f}x, p99 "
        f"{tail['p99_over_median']:.2f}x, max {tail['max_over_median']:.2f}x; mean "
        f"{tail['mean_over_median']:.2f}x"
    )


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
        lines += _time_rows("call time", result.time_ns)
    lines += _run_queue_rows(result.run_queue_correction, result.offcpu, "the")
    if result.cpu_time_ns is not None:
        lines += _time_rows("thread CPU", result.cpu_time_ns)
    if result.cpu is not None:
        lines.append(f"pinned CPU   {result.cpu}")
    if result.containment is not None:
        lines.append(f"containment  {result.containment}")
    lines += [f"cache        {repair}" for repair in result.cache_repairs]
    lines += _counter_rows(result.counters)
    return "\n".join(lines)


def _run_queue_rows(correction: str | None, offcpu: dict[str, int | None], who: str) -> list[str]:
    """What the call times leave out: the run-queue wait other processes caused."""
    if correction is None:
        return []
    if correction != "applied":
        return [f"run queue    call times are wall times ({correction})"]
    waited, wall = offcpu.get("waited_in_calls_ns"), offcpu.get("wall_ns")
    if waited is None or not wall:
        return []
    return [
        f"run queue    {waited / wall:.2%} of {who} calls' wall time, other processes "
        "holding the CPU, is left out of the call times"
    ]


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
            f"{result.ci_high:.4f}]  ({verdict}; baseline mean time per call / candidate's)"
        )
        if result.best_case is not None:
            best = result.best_case
            lines.append(
                f"best case    {best.estimate:.4f}  interval [{best.low:.4f}, {best.high:.4f}]"
                "  (fastest calls of each round; not the score)"
            )
        if result.wall_score is not None:
            wall = result.wall_score
            lines.append(
                f"wall score   {wall.estimate:.4f}  interval [{wall.low:.4f}, {wall.high:.4f}]"
                "  (wall times, other processes' run-queue wait included; not the score)"
            )
    lines += _run_queue_rows(
        result.run_queue_correction, result.candidate_offcpu, "the candidate's"
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


def timing_summary(result: CompareResult) -> str:
    """What the score is made of, in two lines for a mutation prompt (both tracks alike):
    the mean cost per call against the baseline's, the best-case figure beside it, and the
    candidate's per-call spread (so that "every 8th call is 17x slower" is visible)."""
    cand, base = result.candidate_time_ns, result.baseline_time_ns
    if result.speedup is None or cand is None or base is None:
        return "timing unavailable: no timed comparison"
    line = (
        f"mean {cand.mean / 1e6:.3f} ms per call against the initial program's "
        f"{base.mean / 1e6:.3f} ms: speedup {result.speedup:.3f}x "
        f"[{result.ci_low:.3f}, {result.ci_high:.3f}] by mean cost per call (the score)"
    )
    if result.best_case is not None:
        line += f"; the fastest calls alone would say {result.best_case.estimate:.3f}x"
    return line + f"\ncandidate {tail_sentence(cand)} ({cand.n} calls)"
