"""pyperf: the benchmark runs in 20 worker processes, one after another program-wise
(baseline's processes, then the contender's: blocked); each process gives 1 warmup value
and 3 values (each the mean of its loops); ``pyperf compare_to`` calls a difference
significant by a two-sample Student t test (pooled variance) at 95%. Here the 20 processes
are 20 loaded copies of the program, each at its own random code placement; a copy's calls
after the first (warmup) are cut into 3 values. The interval is the t interval of the
difference of means, relative to the contender's mean."""

from __future__ import annotations

import itertools
import math
import statistics
from pathlib import Path

from decision import Decision, per_copy_times, timed, verdict
from scipy.stats import t as student_t
from scipy.stats import ttest_ind

NAME = "pyperf: 20 processes, t test"
PROCESSES = 20
VALUES = 3
ALPHA = 0.05


def process_values(calls: list[float], values: int = VALUES) -> list[float]:
    """One process's calls: the first is its warmup; the rest cut into ``values`` means."""
    timed_calls = calls[1:] if len(calls) > values else calls
    count = min(values, len(timed_calls))
    size = len(timed_calls) / count
    cuts = [round(i * size) for i in range(count + 1)]
    return [sum(timed_calls[lo:hi]) / (hi - lo) for lo, hi in itertools.pairwise(cuts)]


def decide(values_a: list[float], values_b: list[float]) -> tuple[str, float, float, float]:
    """(verdict, speedup, p, relative half-width) from both programs' values."""
    p = float(ttest_ind(values_a, values_b, equal_var=True).pvalue)
    mean_a, mean_b = statistics.fmean(values_a), statistics.fmean(values_b)
    n_a, n_b = len(values_a), len(values_b)
    pooled = (
        (n_a - 1) * statistics.variance(values_a) + (n_b - 1) * statistics.variance(values_b)
    ) / (n_a + n_b - 2)
    half = float(student_t.ppf(0.975, n_a + n_b - 2)) * math.sqrt(pooled * (1 / n_a + 1 / n_b))
    speedup = mean_a / mean_b
    return verdict(p < ALPHA, speedup), speedup, p, half / mean_b


def run(a: Path, b: Path, budget: float) -> list[Decision]:
    def once() -> list[Decision]:
        values = []
        for program in (a, b):
            copies = per_copy_times(program, budget / 2, copies=PROCESSES)
            values.append([v for calls in copies for v in process_values(calls)])
        answer, speedup, p, half = decide(values[0], values[1])
        detail = f"p={p:.4f}, {len(values[0])}+{len(values[1])} values"
        return [Decision(NAME, answer, speedup, half, 0.0, detail)]

    return timed(once)
