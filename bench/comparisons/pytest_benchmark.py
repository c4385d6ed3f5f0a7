"""pytest-benchmark with ``--benchmark-compare-fail=min:X%``: a saved run of the baseline
(rounds in one process), then the contender's rounds, blocked; the check fails when the
contender's minimum is more than X% above the saved minimum. compare-fail checks only
regressions; here a change beyond X% either way counts as a difference, so its A/A rate
reads like the others'. Two thresholds users pick: 2% and 5%. It gives no interval."""

from __future__ import annotations

from pathlib import Path

from decision import Decision, per_copy_times, timed, verdict

THRESHOLDS = (0.02, 0.05)


def name(threshold: float) -> str:
    return f"pytest-benchmark: blocked, min:{threshold:.0%}"


def decide(times_a: list[float], times_b: list[float], threshold: float) -> tuple[str, float]:
    """(verdict, speedup) from the two minima, as ``min:threshold`` decides."""
    change = (min(times_b) - min(times_a)) / min(times_a)
    speedup = min(times_a) / min(times_b)
    return verdict(abs(change) > threshold, speedup), speedup


def run(a: Path, b: Path, budget: float) -> list[Decision]:
    def once() -> list[Decision]:
        (times_a,) = per_copy_times(a, budget / 2, copies=1)
        (times_b,) = per_copy_times(b, budget / 2, copies=1)
        decisions = []
        for threshold in THRESHOLDS:
            answer, speedup = decide(times_a, times_b, threshold)
            detail = f"min {min(times_a):.0f} -> {min(times_b):.0f} ns"
            decisions.append(Decision(name(threshold), answer, speedup, None, 0.0, detail))
        return decisions

    return timed(once)
