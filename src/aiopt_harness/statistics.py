"""Statistics of timed calls: robust summaries and the paired speedup estimate.

Pure Python (no numpy) so the measuring process can use it between batches of calls.

The speedup estimate follows the interleaved protocol: calls of baseline (variant 0)
and candidate (variant 1) alternate in rounds of ABBA or BAAB. Each round gives one
paired log ratio ``log(min baseline call / min candidate call)``; slow periods of the
machine hit both variants of a round alike and cancel. The estimate is the median of the
round ratios; its confidence interval comes from the sign test (order statistics of the
ratios, binomial ranks), which needs no assumption about the noise distribution.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

# The sign test's confidence level for the within-run interval. A run's rounds see only
# that process's code and data placement (a few loaded copies per program), and placement
# shifts the ratio of identical programs by a few tenths of a percent between processes.
# The within-run 95% interval ignores that: in A/A calibration here it covered 1.0 in only
# about 88% of runs. The 99% within-run interval is what covers it in >= 95% of runs
# (bench/calibration.py prints the figures).
WITHIN_RUN_CONFIDENCE = 0.99


@dataclass(frozen=True)
class TimeStats:
    """Summary of per-call times in nanoseconds."""

    n: int
    min: float
    p10: float
    median: float
    mean: float
    max: float

    def to_dict(self) -> dict[str, float | int]:
        return {
            "n": self.n,
            "min": self.min,
            "p10": self.p10,
            "median": self.median,
            "mean": self.mean,
            "max": self.max,
        }


def quantile(values: Sequence[float], q: float) -> float:
    """Linear-interpolation quantile (numpy's default method) of unsorted values."""
    if not values:
        raise ValueError("quantile of no values")
    if not 0.0 <= q <= 1.0:
        raise ValueError("q must be within [0, 1]")
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def time_stats(values: Sequence[float]) -> TimeStats:
    if not values:
        raise ValueError("no samples")
    return TimeStats(
        n=len(values),
        min=float(min(values)),
        p10=quantile(values, 0.10),
        median=quantile(values, 0.5),
        mean=math.fsum(values) / len(values),
        max=float(max(values)),
    )


def sign_test_ranks(n: int, confidence: float = 0.95) -> tuple[int, float]:
    """The largest k such that [x_(k), x_(n+1-k)] (1-based order statistics) covers the
    median with at least ``confidence``, and the exact coverage of that interval.

    Coverage is 1 - 2 P(Binomial(n, 1/2) < k). Returns k = 1 (the whole range) when even
    that falls short of ``confidence``; the returned coverage then says how far short.
    """
    if n < 1:
        raise ValueError("need at least one observation")
    alpha_half = (1.0 - confidence) / 2.0
    total = 2**n
    cumulative = 0  # sum of C(n, i) for i < k, exact integers
    k = 1
    while k <= n // 2:
        next_cumulative = cumulative + math.comb(n, k - 1)
        if next_cumulative > alpha_half * total:
            break
        cumulative = next_cumulative
        k += 1
    coverage = 1.0 - 2.0 * cumulative / total
    return k, coverage


@dataclass(frozen=True)
class RatioEstimate:
    """A ratio (speedup) with a confidence interval."""

    estimate: float
    low: float
    high: float
    confidence: float  # exact coverage of [low, high] under the sign test
    n: int

    @property
    def half_width(self) -> float:
        """Relative half-width: the larger distance from the estimate to a bound."""
        return max(self.estimate / self.low, self.high / self.estimate) - 1.0


def median_ratio(
    log_ratios: Sequence[float], confidence: float = WITHIN_RUN_CONFIDENCE
) -> RatioEstimate:
    """exp(median) of paired log ratios with a sign-test confidence interval."""
    n = len(log_ratios)
    ordered = sorted(log_ratios)
    k, coverage = sign_test_ranks(n, confidence)
    return RatioEstimate(
        estimate=math.exp(quantile(ordered, 0.5)),
        low=math.exp(ordered[k - 1]),
        high=math.exp(ordered[n - k]),
        confidence=coverage,
        n=n,
    )


def round_log_ratios(
    variants: Sequence[int], rounds: Sequence[int], times: Sequence[float]
) -> list[float]:
    """Per round, log(min time of variant 0 / min time of variant 1).

    Rounds missing either variant are skipped.
    """
    best: dict[int, list[float]] = {}
    for variant, round_index, value in zip(variants, rounds, times, strict=True):
        slot = best.setdefault(round_index, [math.inf, math.inf])
        if value < slot[variant]:
            slot[variant] = value
    return [
        math.log(slot[0] / slot[1])
        for _, slot in sorted(best.items())
        if math.isfinite(slot[0]) and math.isfinite(slot[1]) and slot[0] > 0 and slot[1] > 0
    ]
