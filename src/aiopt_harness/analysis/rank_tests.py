"""Two-sample rank statistics for comparing two tracks' runs on one task.

Mann-Whitney's U test (exact, or a permutation test when there are ties), the
Vargha-Delaney A12 effect size, the Hodges-Lehmann shift with its exact
distribution-free interval (Lehmann 1963; Bauer 1972), an equivalence test from that
interval (the interval form of TOST), and Holm's step-down adjustment of a family of
p-values. With the design's n = 5 runs per track, the smallest one-sided Mann-Whitney
p is 1/252 and the smallest two-sided one 2/252: exact null distributions matter here,
normal approximations do not apply.

Everything is computed from first principles (numpy and exact integer arithmetic); the
tests compare it with scipy.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

Alternative = Literal["greater", "less", "two-sided"]

ENUMERATION_LIMIT = 200_000  # relabelings enumerated exactly up to this count
MONTE_CARLO_DRAWS = 100_000  # random relabelings beyond it
_CHUNK = 10_000  # relabelings drawn per batch (bounds memory)
_TOLERANCE = 1e-12  # slack when comparing a coverage with a requested confidence


@dataclass(frozen=True)
class MannWhitney:
    """Mann-Whitney's test of x against y.

    ``u`` is the U statistic of x (pairs with x_i > y_j, plus half the ties); ``method``
    is "exact" (the exact null distribution of U, no ties) or "permutation" (ties: the
    mid-rank U over relabelings, all of them when ``monte_carlo`` is False).
    ``relabelings`` is how many relabelings the permutation p used (0 when exact).
    """

    u: float
    p: float
    method: Literal["exact", "permutation"]
    n_x: int
    n_y: int
    alternative: Alternative
    monte_carlo: bool = False
    relabelings: int = 0


@dataclass(frozen=True)
class ShiftEstimate:
    """The Hodges-Lehmann shift of x over y and its distribution-free interval.

    ``achieved_confidence`` is the exact coverage of the chosen order statistics of the
    pairwise differences (for continuous data); ``note`` explains when it falls short of
    the requested confidence (too few runs), and is empty otherwise.
    """

    shift: float
    low: float
    high: float
    confidence: float
    achieved_confidence: float
    note: str = ""


@dataclass(frozen=True)
class Equivalence:
    """Whether x and y are equivalent within ``margin`` (see :func:`equivalence`)."""

    shift: float
    low: float
    high: float
    margin: float
    equivalent: bool
    achieved_confidence: float
    note: str = ""


def _sample(values: Sequence[float] | npt.ArrayLike, name: str) -> npt.NDArray[np.float64]:
    """``values`` as a 1-D float array; ValueError when empty or not finite."""
    array = np.asarray(values, dtype=np.float64).ravel()
    if array.size == 0:
        raise ValueError(f"{name} is empty: a rank test needs at least one value per sample")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return array


def u_null_counts(n: int, m: int) -> list[int]:
    """How many of the C(n+m, n) labelings give U = 0, 1, ..., n*m (no ties).

    The generating function of U is the Gaussian binomial coefficient
    [n+m choose n]_q = prod_{i=1..n} (1 - q^(m+i)) / (1 - q^i) (Mann & Whitney 1947);
    it is built one factor at a time in exact integer arithmetic, every intermediate
    product being itself a polynomial ([m+i choose i]_q).
    """
    if n < 0 or m < 0:
        raise ValueError("sample sizes must be non-negative")
    n, m = min(n, m), max(n, m)  # the distribution is symmetric in (n, m); fewer factors
    counts = [1] + [0] * (n * m + n)
    degree = 0
    for i in range(1, n + 1):
        shift = m + i
        for k in range(degree + shift, shift - 1, -1):  # times (1 - q^shift)
            counts[k] -= counts[k - shift]
        for k in range(i, degree + shift + 1):  # divided by (1 - q^i)
            counts[k] += counts[k - i]
        degree += m
    return counts[: n * m + 1]


def _doubled_midranks(values: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """Twice the mid-ranks (1-based) of ``values``: integers, so U compares exactly."""
    order = np.argsort(values, kind="mergesort")
    ordered = values[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    ends = np.r_[starts[1:], values.size]  # exclusive
    doubled = np.empty(values.size, dtype=np.int64)
    doubled[order] = np.repeat(starts + 1 + ends, ends - starts)
    return doubled


def _tail_p(greater: int, less: int, total: int, alternative: Alternative) -> float:
    """p from the counts of statistics >= and <= the observed one among ``total``.

    Two-sided: twice the smaller tail, capped at 1 (as scipy's exact Mann-Whitney and
    its permutation_test compute it).
    """
    if alternative == "greater":
        return greater / total
    if alternative == "less":
        return less / total
    return min(total, 2 * min(greater, less)) / total


def _exact_p(u2: int, n: int, m: int, alternative: Alternative) -> float:
    """p of doubled U ``u2`` from the exact null distribution of U (no ties)."""
    counts = u_null_counts(n, m)
    u = u2 // 2
    return _tail_p(sum(counts[u:]), sum(counts[: u + 1]), math.comb(n + m, n), alternative)


def _permutation_p(
    doubled: npt.NDArray[np.int64],
    n: int,
    observed: int,
    alternative: Alternative,
    seed: int,
) -> tuple[float, bool, int]:
    """p of the rank sum of the first ``n`` of ``doubled`` over relabelings.

    All C(N, n) relabelings when there are at most ENUMERATION_LIMIT of them; otherwise
    MONTE_CARLO_DRAWS uniform random ones from ``np.random.default_rng(seed)``, each
    tail counted with the observed labeling included: p = (k + 1) / (draws + 1).
    Returns (p, monte_carlo, relabelings).
    """
    size = doubled.size
    total = math.comb(size, n)
    if total <= ENUMERATION_LIMIT:
        chosen = np.fromiter(
            itertools.chain.from_iterable(itertools.combinations(range(size), n)),
            dtype=np.int64,
            count=total * n,
        ).reshape(total, n)
        sums = doubled[chosen].sum(axis=1)
        greater, less = int(np.sum(sums >= observed)), int(np.sum(sums <= observed))
        return _tail_p(greater, less, total, alternative), False, total
    rng = np.random.default_rng(seed)
    greater = less = 0
    for start in range(0, MONTE_CARLO_DRAWS, _CHUNK):
        batch = min(_CHUNK, MONTE_CARLO_DRAWS - start)
        shuffled = rng.permuted(np.tile(doubled, (batch, 1)), axis=1)
        sums = shuffled[:, :n].sum(axis=1)
        greater += int(np.sum(sums >= observed))
        less += int(np.sum(sums <= observed))
    p = _tail_p(greater + 1, less + 1, MONTE_CARLO_DRAWS + 1, alternative)
    return p, True, MONTE_CARLO_DRAWS


def mann_whitney(
    x: Sequence[float] | npt.ArrayLike,
    y: Sequence[float] | npt.ArrayLike,
    alternative: Alternative,
    *,
    seed: int = 0,
) -> MannWhitney:
    """Mann-Whitney's U test that x tends to be larger ("greater") than y, smaller, or
    either ("two-sided").

    U of x = #{x_i > y_j} + 0.5 #{x_i = y_j}. Without ties, p comes from the exact null
    distribution of U (equal to ``scipy.stats.mannwhitneyu(..., method="exact")``).
    With ties, it is a permutation test of the mid-rank U: exact over all C(n+m, n)
    relabelings up to ENUMERATION_LIMIT of them (equal to
    ``scipy.stats.permutation_test`` on U with all resamples), else Monte-Carlo with
    MONTE_CARLO_DRAWS relabelings seeded by ``seed``, p = (k + 1) / (draws + 1).
    """
    xs, ys = _sample(x, "x"), _sample(y, "y")
    n, m = xs.size, ys.size
    pooled = np.concatenate([xs, ys])
    doubled = _doubled_midranks(pooled)
    rank_sum2 = int(doubled[:n].sum())
    u2 = rank_sum2 - n * (n + 1)  # 2U
    if np.unique(pooled).size == pooled.size:
        p = _exact_p(u2, n, m, alternative)
        return MannWhitney(u2 / 2, p, "exact", n, m, alternative)
    p, monte_carlo, relabelings = _permutation_p(doubled, n, rank_sum2, alternative, seed)
    return MannWhitney(u2 / 2, p, "permutation", n, m, alternative, monte_carlo, relabelings)


def vargha_delaney_a12(
    x: Sequence[float] | npt.ArrayLike, y: Sequence[float] | npt.ArrayLike
) -> float:
    """Vargha & Delaney's (2000) A12 = P(X > Y) + 0.5 P(X = Y) over all pairs (U / nm).

    0.5 is no effect; Vargha & Delaney call 0.56, 0.64 and 0.71 small, medium and large.
    """
    xs, ys = _sample(x, "x"), _sample(y, "y")
    above = np.greater.outer(xs, ys).mean()
    equal = np.equal.outer(xs, ys).mean()
    return float(above + 0.5 * equal)


def hodges_lehmann(
    x: Sequence[float] | npt.ArrayLike,
    y: Sequence[float] | npt.ArrayLike,
    confidence: float = 0.95,
) -> ShiftEstimate:
    """The Hodges-Lehmann (1963) shift of x over y and its exact interval.

    The shift is the median of the n*m pairwise differences x_i - y_j. The interval is
    [d_(k), d_(nm+1-k)] of the sorted differences (Lehmann 1963; Bauer 1972, the
    interval inverting Mann-Whitney's test): its coverage is 1 - 2 P(U <= k - 1) under
    the exact null distribution of U, and k is the largest order with coverage >=
    ``confidence``. When even k = 1 (the smallest to the largest difference) covers
    less, that widest interval is returned with its coverage (1 - 2 / C(n+m, n)) and a
    note. Coverages are exact for continuous data.
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    xs, ys = _sample(x, "x"), _sample(y, "y")
    n, m = xs.size, ys.size
    diffs = np.sort(np.subtract.outer(xs, ys).ravel())
    total = math.comb(n + m, n)
    k, below = 1, 1  # the widest interval; below = #labelings with U <= k - 1
    cumulative = 0
    for j, count in enumerate(u_null_counts(n, m)):
        cumulative += count
        if 2 * cumulative / total > 1.0 - confidence + _TOLERANCE:
            break
        k, below = j + 1, cumulative
    achieved = 1.0 - 2 * below / total
    note = ""
    if achieved < confidence - _TOLERANCE:
        note = (
            f"n_x={n}, n_y={m} are too few for {confidence:.0%} confidence: the widest"
            f" interval (smallest to largest difference) covers {achieved:.1%}"
        )
    return ShiftEstimate(
        shift=float(np.median(diffs)),
        low=float(diffs[k - 1]),
        high=float(diffs[diffs.size - k]),
        confidence=confidence,
        achieved_confidence=achieved,
        note=note,
    )


def equivalence(
    x: Sequence[float] | npt.ArrayLike,
    y: Sequence[float] | npt.ArrayLike,
    margin: float,
    confidence: float = 0.90,
) -> Equivalence:
    """Whether the shift of x over y lies within (-margin, margin): the interval form of
    the two one-sided tests (TOST, Schuirmann 1987) with Hodges-Lehmann intervals.

    Equivalent when the ``confidence`` Hodges-Lehmann interval lies strictly inside
    (-margin, margin); a 90% interval is TOST at alpha = 0.05. Pass log speedups for a
    margin on log speedup. With too few runs for the requested coverage, the result is
    never "equivalent" (the test would not hold its level), and the note says so.
    """
    if not margin > 0.0 or not math.isfinite(margin):
        raise ValueError(f"the equivalence margin must be positive and finite, got {margin}")
    estimate = hodges_lehmann(x, y, confidence)
    enough = estimate.achieved_confidence >= confidence - _TOLERANCE
    inside = -margin < estimate.low and estimate.high < margin
    note = estimate.note + ": equivalence cannot be shown" if not enough else ""
    return Equivalence(
        shift=estimate.shift,
        low=estimate.low,
        high=estimate.high,
        margin=margin,
        equivalent=enough and inside,
        achieved_confidence=estimate.achieved_confidence,
        note=note,
    )


def holm(pvalues: Mapping[str, float]) -> dict[str, float]:
    """Holm's (1979) step-down adjusted p-values, in the mapping's order.

    With the m p-values sorted ascending, p_(i) becomes max_{j <= i} min(1,
    (m - j + 1) p_(j)): monotone in the raw p, capped at 1. Reject the hypotheses whose
    adjusted p is <= alpha to control the family-wise error rate at alpha.
    """
    for name, p in pvalues.items():
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"p-value of {name!r} is not in [0, 1]: {p}")
    ordered = sorted(pvalues.items(), key=lambda item: item[1])
    size = len(ordered)
    adjusted: dict[str, float] = {}
    running = 0.0
    for i, (name, p) in enumerate(ordered):
        running = max(running, min(1.0, (size - i) * p))
        adjusted[name] = running
    return {name: adjusted[name] for name in pvalues}
