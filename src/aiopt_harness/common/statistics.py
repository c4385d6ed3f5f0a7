"""Statistics of timed calls: robust summaries and the paired speedup estimate.

Pure Python (no numpy) so the measuring process can use it between batches of calls.

The speedup estimates follow the interleaved protocol: calls of baseline (variant 0)
and candidate (variant 1) alternate in rounds of ABBA or BAAB over pairs of loaded
copies, so slow periods of the machine hit both variants of a round alike.

- The score, :func:`mean_cost_ratio`: per copy pair, the ratio of the two programs' total
  time over all their timed calls (the ratio of their mean costs per call, periodic work
  included), combined over pairs (the statistical unit) with a stratified t interval.
- The best-case figure, :func:`stratified_copy_ratio`: per round
  ``log(min baseline call / min candidate call)``, per pair the median of its rounds. It
  never sees a call that is slow every N calls (a rehash, a rebuilt cache), so it is kept
  only as a second number, never as the score.
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
    p90: float = math.nan
    p99: float = math.nan

    def tail(self) -> dict[str, float]:
        """The per-call spread over the median: how much slower the slow calls are
        (p90, p99 and max over p50). A call slow every N calls shows here."""
        if not self.median > 0:
            return {}
        return {
            "p90_over_median": self.p90 / self.median,
            "p99_over_median": self.p99 / self.median,
            "max_over_median": self.max / self.median,
            "mean_over_median": self.mean / self.median,
        }

    def to_dict(self) -> dict[str, float | int]:
        return {
            "n": self.n,
            "min": self.min,
            "p10": self.p10,
            "median": self.median,
            "mean": self.mean,
            "p90": self.p90,
            "p99": self.p99,
            "max": self.max,
            **self.tail(),
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
        p90=quantile(values, 0.90),
        p99=quantile(values, 0.99),
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


# Two-sided 97.5% quantiles of Student's t for 1..30 degrees of freedom.
_T975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


def t_quantile_975(degrees: int) -> float:
    """The 0.975 quantile of Student's t (1.96 beyond 30 degrees of freedom, within 2%)."""
    if degrees < 1:
        raise ValueError("need at least one degree of freedom")
    return _T975[degrees - 1] if degrees <= len(_T975) else 1.96


def copy_ratio(per_copy_log_ratios: Sequence[Sequence[float]]) -> RatioEstimate:
    """The speedup over pairs of loaded copies: the copy pair is the statistical unit.

    Each pair of copies (one of each program, each with its own code layout, in processes
    of their own) gives the median of its round log ratios; the estimate is exp(mean) of
    those pair values and its 95% interval the t interval over pairs. Rounds of one pair
    share that pair's layout effect, so they are not independent: a sign test over all
    rounds would treat layout luck as precision. Needs at least two pairs with rounds.
    """
    return _t_ratio([quantile(list(r), 0.5) for r in per_copy_log_ratios if len(r) > 0])


def _t_ratio(values: Sequence[float]) -> RatioEstimate:
    """exp(mean) of per-pair log ratios with the t interval over pairs."""
    n = len(values)
    if n < 2:
        raise ValueError("need at least two copy pairs with rounds")
    mean = math.fsum(values) / n
    spread = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / (n - 1))
    half = t_quantile_975(n - 1) * spread / math.sqrt(n)
    return RatioEstimate(
        estimate=math.exp(mean),
        low=math.exp(mean - half),
        high=math.exp(mean + half),
        confidence=0.95,
        n=n,
    )


def stratified_copy_ratio(
    per_copy_log_ratios: Sequence[Sequence[float]], strata: Sequence[int]
) -> RatioEstimate:
    """``copy_ratio`` for pairs drawn stratified by code alignment (``strata``: each
    pair's stratum, e.g. its layout pad mod 64 bytes in 16-byte steps).

    On some CPUs one alignment class of a hot loop runs 50% slower than the others (AMD
    EPYC here, matmul: bench/comparisons). Uniform random pads let the share of such pairs
    vary from session to session, which dominates the interval; giving every class the
    same number of pairs removes that variance without changing what is estimated (each
    class still counts with its probability under uniform pads). The estimate is exp of
    the mean of the strata's means; its 95% interval the stratified t interval (the
    variance sum over strata of s_h^2 / n_h / H^2, Welch-Satterthwaite degrees of
    freedom, rounded down). Strata with fewer than two pairs leave no within-stratum
    variance to estimate: then the plain ``copy_ratio`` applies.
    """
    if len(strata) != len(per_copy_log_ratios):
        raise ValueError(f"{len(strata)} strata for {len(per_copy_log_ratios)} copy pairs")
    return stratified_pair_ratio(
        [quantile(list(r), 0.5) if len(r) > 0 else None for r in per_copy_log_ratios], strata
    )


def stratified_pair_ratio(
    pair_values: Sequence[float | None], strata: Sequence[int], pooled_df: bool = False
) -> RatioEstimate:
    """exp of the stratified mean of one log ratio per copy pair (None: the pair has no
    value), with the stratified t interval described in :func:`stratified_copy_ratio`;
    the plain t interval over pairs when a stratum has fewer than two pairs.
    ``pooled_df``: n - strata degrees of freedom instead of Welch-Satterthwaite's (a rule
    bench/score_validity.py measures beside the score; at 40 trials per cell it missed
    1.0 in 11 of 160 A/A compares against 5 of 160, so the score does not use it)."""
    if len(strata) != len(pair_values):
        raise ValueError(f"{len(strata)} strata for {len(pair_values)} copy pairs")
    groups: dict[int, list[float]] = {}
    for value, stratum in zip(pair_values, strata, strict=True):
        if value is not None:
            groups.setdefault(stratum, []).append(value)
    if len(groups) < 2 or any(len(values) < 2 for values in groups.values()):
        return _t_ratio([v for v in pair_values if v is not None])
    count = len(groups)
    means = [math.fsum(values) / len(values) for values in groups.values()]
    parts = []  # each stratum's share of the variance of the estimate
    for values, mean in zip(groups.values(), means, strict=True):
        spread = math.fsum((v - mean) ** 2 for v in values) / (len(values) - 1)
        parts.append((spread / len(values) / count**2, len(values) - 1))
    variance = math.fsum(part for part, _ in parts)
    mean = math.fsum(means) / count
    if variance == 0.0:
        half = 0.0
    else:
        degrees = (
            sum(df for _, df in parts)
            if pooled_df
            else variance**2 / math.fsum(part**2 / df for part, df in parts)
        )
        half = t_quantile_975(max(1, math.floor(degrees))) * math.sqrt(variance)
    return RatioEstimate(
        estimate=math.exp(mean),
        low=math.exp(mean - half),
        high=math.exp(mean + half),
        confidence=0.95,
        n=sum(len(values) for values in groups.values()),
    )


def mean_cost_ratio(
    pair_totals: Sequence[tuple[float, float]], strata: Sequence[int]
) -> RatioEstimate:
    """The speedup in mean cost per call: baseline mean / candidate mean.

    ``pair_totals``: per copy pair, the total time of the baseline's and of the
    candidate's timed calls (both made the same number of calls, interleaved round by
    round on the same inputs). Each pair gives ``log(baseline total / candidate total)``,
    the log ratio of the two copies' mean costs: every call counts, so a call that is 17x
    slower every 8th call weighs what it costs. A slow period of the machine scales the
    calls of a round alike, so it cancels within the pair's ratio as it does round by
    round. The pairs combine as in :func:`stratified_copy_ratio` (pairs are the unit: a
    pair's calls share its code layout). A pair with a non-positive total is left out.
    """
    values = [
        math.log(baseline / candidate) if baseline > 0 and candidate > 0 else None
        for baseline, candidate in pair_totals
    ]
    return stratified_pair_ratio(values, strata)
