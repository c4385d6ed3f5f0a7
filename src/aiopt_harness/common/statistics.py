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

# The confidence level of the speedup interval. It holds across processes only because
# each run loads several copies of each program (``runs.Settings.copies``) and picks one
# at random per round: with one copy, code and data placement shift identical programs by
# up to 1% per process, and the 95% interval covered 1.0 in 14 of 20 A/A runs on matmul;
# with four copies in 19 of 20 (bench/calibration.py prints the current figures).
WITHIN_RUN_CONFIDENCE = 0.95


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

    Coverage is 1 - 2 P(Binomial(n, 1/2) <= k - 1). Returns k = 1 (the whole range) when
    even that falls short of ``confidence``; the returned coverage then says how far short.
    """
    if n < 1:
        raise ValueError("need at least one observation")
    alpha_half = (1.0 - confidence) / 2.0
    total = 2**n
    k = 1
    tail = 1  # sum of C(n, i) for i <= k - 1, exact integers
    while 2 * k < n:  # keep k <= n + 1 - k - 1: a lower bound strictly below the upper
        next_tail = tail + math.comb(n, k)
        if next_tail > alpha_half * total:
            break
        tail = next_tail
        k += 1
    return k, 1.0 - 2.0 * tail / total


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
