"""Google Benchmark with ``tools/compare.py``: the baseline binary runs all its
repetitions, then the contender runs its own (blocked, one process each); each repetition
reports the mean time of its iterations; compare.py runs a two-sided Mann-Whitney U test
over the repetitions and calls the difference significant at p < 0.05 (it asks for at
least 9 repetitions for a reliable test; we run 10). It gives no interval."""

from __future__ import annotations

import itertools
from pathlib import Path

from decision import Decision, per_copy_times, timed, verdict
from scipy.stats import mannwhitneyu

NAME = "Google Benchmark: blocked, U test"
REPETITIONS = 10
ALPHA = 0.05


def repetition_means(times: list[float], repetitions: int = REPETITIONS) -> list[float]:
    """``times`` (in call order) cut into ``repetitions`` consecutive runs: each run's mean."""
    if len(times) < repetitions:
        raise ValueError(f"{len(times)} calls cannot make {repetitions} repetitions")
    size = len(times) / repetitions
    cuts = [round(i * size) for i in range(repetitions + 1)]
    return [sum(times[lo:hi]) / (hi - lo) for lo, hi in itertools.pairwise(cuts)]


def decide(times_a: list[float], times_b: list[float]) -> tuple[str, float, float]:
    """(verdict, speedup, p) from A's and B's call times, as compare.py decides."""
    reps_a, reps_b = repetition_means(times_a), repetition_means(times_b)
    p = float(mannwhitneyu(reps_a, reps_b, alternative="two-sided").pvalue)
    speedup = (sum(reps_a) / len(reps_a)) / (sum(reps_b) / len(reps_b))
    return verdict(p < ALPHA, speedup), speedup, p


def run(a: Path, b: Path, budget: float) -> list[Decision]:
    def once() -> list[Decision]:
        (times_a,) = per_copy_times(a, budget / 2, copies=1)
        (times_b,) = per_copy_times(b, budget / 2, copies=1)
        answer, speedup, p = decide(times_a, times_b)
        return [Decision(NAME, answer, speedup, None, 0.0, f"p={p:.4f}")]

    return timed(once)
