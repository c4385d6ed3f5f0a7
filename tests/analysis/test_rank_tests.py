"""Rank tests against scipy, brute-force enumerations and hand computations."""

from __future__ import annotations

import itertools
import math
from typing import Any, get_args

import numpy as np
import numpy.typing as npt
import pytest
from scipy import stats  # type: ignore[import-untyped]

from aiopt_harness.analysis.rank_tests import (
    Alternative,
    equivalence,
    hodges_lehmann,
    holm,
    mann_whitney,
    u_null_counts,
    vargha_delaney_a12,
)

ALTERNATIVES: tuple[Alternative, ...] = get_args(Alternative)


def brute_u(x: npt.ArrayLike, y: npt.ArrayLike) -> float:
    """U of x by its definition: pairs with x_i > y_j, plus half the ties."""
    xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return float(np.greater.outer(xs, ys).sum() + 0.5 * np.equal.outer(xs, ys).sum())


def brute_null(x: list[float], y: list[float]) -> npt.NDArray[np.float64]:
    """U over every split of the pooled values into groups of len(x) and len(y).

    With S[i, j] = [v_i > v_j] + 0.5 [v_i = v_j] over the pooled values, the U of a
    group G is the sum of S over i in G, j outside G, which is the sum of G's row sums
    minus the within-G part: the pairs i != j in G add 1 each, the diagonal 0.5 each,
    n^2 / 2 in all.
    """
    pooled = np.array([*x, *y])
    n = len(x)
    rows = (np.greater.outer(pooled, pooled) + 0.5 * np.equal.outer(pooled, pooled)).sum(axis=1)
    splits = np.array(list(itertools.combinations(range(pooled.size), n)))
    return np.asarray(rows[splits].sum(axis=1) - n * n / 2, dtype=np.float64)


def brute_permutation_p(x: list[float], y: list[float], alternative: Alternative) -> float:
    """p of U over every split of the pooled values (twice the smaller tail two-sided)."""
    null, observed = brute_null(x, y), brute_u(x, y)
    greater, less = float(np.mean(null >= observed)), float(np.mean(null <= observed))
    if alternative == "greater":
        return greater
    if alternative == "less":
        return less
    return min(1.0, 2 * min(greater, less))


def scipy_u(x: Any, y: Any, axis: int) -> Any:
    """U of x along ``axis`` for scipy.stats.permutation_test (vectorized)."""
    xs, ys = np.moveaxis(x, axis, -1), np.moveaxis(y, axis, -1)
    above = (xs[..., :, None] > ys[..., None, :]).sum(axis=(-2, -1))
    ties = (xs[..., :, None] == ys[..., None, :]).sum(axis=(-2, -1))
    return above + 0.5 * ties


# ---------------------------------------------------------------- Mann-Whitney, exact


@pytest.mark.parametrize("n, m", [(1, 1), (1, 6), (5, 5), (3, 7), (8, 4), (12, 9), (20, 20)])
@pytest.mark.parametrize("alternative", ALTERNATIVES)
def test_exact_p_equals_scipy_without_ties(n: int, m: int, alternative: Alternative) -> None:
    rng = np.random.default_rng(100 * n + m)
    x, y = rng.normal(0.4, 1.0, n), rng.normal(0.0, 1.0, m)
    ours = mann_whitney(x, y, alternative)
    theirs = stats.mannwhitneyu(x, y, alternative=alternative, method="exact")
    assert ours.method == "exact"
    assert (ours.n_x, ours.n_y) == (n, m)
    assert ours.u == theirs.statistic == brute_u(x, y)
    assert ours.p == pytest.approx(theirs.pvalue, rel=1e-12)


def test_complete_separation_of_five_against_five() -> None:
    """The design's smallest p: 1/252 one-sided, 2/252 two-sided."""
    high, low = [1.5, 1.7, 1.9, 2.2, 3.0], [0.9, 1.0, 1.1, 1.2, 1.3]
    assert mann_whitney(high, low, "greater").p == pytest.approx(1 / 252, rel=1e-15)
    assert mann_whitney(high, low, "two-sided").p == pytest.approx(2 / 252, rel=1e-15)
    assert mann_whitney(high, low, "less").p == 1.0
    assert mann_whitney(low, high, "less").p == pytest.approx(1 / 252, rel=1e-15)
    assert mann_whitney(high, low, "greater").u == 25.0
    assert mann_whitney(low, high, "greater").u == 0.0


def test_one_swapped_pair_doubles_the_smallest_p() -> None:
    """U = 24 of 25: P(U >= 24) = 2/252 (U = 25 and U = 24 each have one labeling)."""
    x, y = [1.25, 1.7, 1.9, 2.2, 3.0], [0.9, 1.0, 1.1, 1.2, 1.3]
    result = mann_whitney(x, y, "greater")
    assert result.u == 24.0
    assert result.p == pytest.approx(2 / 252, rel=1e-15)


@pytest.mark.parametrize("n, m", [(0, 0), (1, 0), (3, 3), (4, 3), (2, 6)])
def test_null_counts_of_u_match_a_brute_force_count(n: int, m: int) -> None:
    counts = [0] * (n * m + 1)
    for chosen in itertools.combinations(range(n + m), n):
        # U of the x group when the pooled values are 0..n+m-1 in order
        counts[sum(chosen) - n * (n - 1) // 2] += 1
    assert u_null_counts(n, m) == counts
    assert u_null_counts(m, n) == counts
    assert sum(counts) == math.comb(n + m, n)


# ---------------------------------------------------------------- Mann-Whitney, ties


def test_the_brute_force_null_is_u_by_definition_for_every_split() -> None:
    x, y = [1.0, 2.0, 2.0], [2.0, 0.0, 3.0, 2.0]
    pooled = [*x, *y]
    direct = [
        brute_u([pooled[i] for i in chosen], [pooled[i] for i in range(7) if i not in chosen])
        for chosen in itertools.combinations(range(7), 3)
    ]
    assert brute_null(x, y).tolist() == direct


TIED_X = [1.0, 2.0, 2.0, 3.0, 5.0]
TIED_Y = [2.0, 3.0, 3.0, 4.0, 0.0]


@pytest.mark.parametrize("alternative", ALTERNATIVES)
def test_ties_give_an_exact_permutation_p(alternative: Alternative) -> None:
    result = mann_whitney(TIED_X, TIED_Y, alternative)
    assert result.method == "permutation"
    assert not result.monte_carlo
    assert result.relabelings == 252
    # x = 1: 1 (> 0); x = 2 twice: 1 + 0.5 each; x = 3: 2 + 2 * 0.5; x = 5: 5
    assert result.u == brute_u(TIED_X, TIED_Y) == 12.0
    assert result.p == pytest.approx(brute_permutation_p(TIED_X, TIED_Y, alternative), rel=1e-12)
    theirs = stats.permutation_test(
        (TIED_X, TIED_Y),
        scipy_u,
        permutation_type="independent",
        vectorized=True,
        n_resamples=np.inf,
        alternative=alternative,
    )
    assert result.p == pytest.approx(theirs.pvalue, rel=1e-12)


def test_permutation_p_with_ties_equals_scipy_permutation_test_on_8_by_8() -> None:
    rng = np.random.default_rng(3)
    x = rng.integers(0, 6, 8).astype(float) + 1.0
    y = rng.integers(0, 6, 8).astype(float)
    for alternative in ALTERNATIVES:
        result = mann_whitney(x, y, alternative)
        assert result.relabelings == math.comb(16, 8)
        theirs = stats.permutation_test(
            (x, y),
            scipy_u,
            permutation_type="independent",
            vectorized=True,
            n_resamples=np.inf,
            alternative=alternative,
        )
        assert result.p == pytest.approx(theirs.pvalue, rel=1e-12)
    # the exact-no-ties null would be wrong here: ties shrink the permutation variance
    assert mann_whitney(x, y, "greater").p != pytest.approx(
        stats.mannwhitneyu(x, y, alternative="greater", method="exact").pvalue, rel=1e-3
    )


def test_many_relabelings_use_a_seeded_monte_carlo_close_to_the_exact_p() -> None:
    rng = np.random.default_rng(4)
    x = [float(v) for v in rng.integers(0, 5, 9) + 1]
    y = [float(v) for v in rng.integers(0, 5, 12)]
    assert math.comb(21, 9) > 200_000
    exact = brute_permutation_p(x, y, "greater")
    result = mann_whitney(x, y, "greater")
    assert result.method == "permutation"
    assert result.monte_carlo and result.relabelings == 100_000
    assert abs(result.p - exact) < 0.006  # > 3.5 standard errors of a 100,000-draw p
    assert (result.p * 100_001) == pytest.approx(round(result.p * 100_001))  # (k+1)/(N+1)
    assert mann_whitney(x, y, "greater").p == result.p
    assert mann_whitney(x, y, "greater", seed=1).p != result.p
    two_sided = mann_whitney(x, y, "two-sided")
    assert abs(two_sided.p - brute_permutation_p(x, y, "two-sided")) < 0.01


def test_all_values_tied_gives_p_one() -> None:
    for alternative in ALTERNATIVES:
        assert mann_whitney([2.0, 2.0, 2.0], [2.0, 2.0], alternative).p == 1.0


@pytest.mark.parametrize("x, y", [([], [1.0]), ([1.0], []), ([], [])])
def test_empty_samples_are_refused(x: list[float], y: list[float]) -> None:
    with pytest.raises(ValueError, match="empty"):
        mann_whitney(x, y, "greater")


def test_nan_is_refused() -> None:
    with pytest.raises(ValueError, match="NaN"):
        mann_whitney([1.0, math.nan], [1.0], "two-sided")


# ---------------------------------------------------------------- A12


def test_a12_on_hand_examples() -> None:
    assert vargha_delaney_a12([3, 4], [1, 2]) == 1.0
    assert vargha_delaney_a12([1, 2], [3, 4]) == 0.0
    # 3 pairs greater (2>1, 3>1, 3>2) and 3 ties of 9: (3 + 1.5) / 9
    assert vargha_delaney_a12([1, 2, 3], [1, 2, 3]) == 0.5
    # (1,2) < (1,3) < (2,2) = (2,3) <: 0.5 / 4
    assert vargha_delaney_a12([1, 2], [2, 3]) == 0.125
    # (5>1) (5>4) (2>1) (2<4): 3 / 4
    assert vargha_delaney_a12([5, 2], [1, 4]) == 0.75


def test_a12_is_scipys_u_over_nm() -> None:
    rng = np.random.default_rng(5)
    x, y = rng.integers(0, 4, 7), rng.integers(0, 4, 6)
    u = stats.mannwhitneyu(x, y, method="asymptotic").statistic
    assert vargha_delaney_a12(x, y) == pytest.approx(u / 42, rel=1e-12)


# ---------------------------------------------------------------- Hodges-Lehmann


def test_hodges_lehmann_on_a_3_by_3_hand_example() -> None:
    """x = 1, 4, 6 and y = 0, 2, 3. Differences x_i - y_j:
    1-0=1, 1-2=-1, 1-3=-2, 4-0=4, 4-2=2, 4-3=1, 6-0=6, 6-2=4, 6-3=3;
    sorted: -2, -1, 1, 1, 2, 3, 4, 4, 6; the median (5th) is 2.
    U null for 3 vs 3 (20 labelings): counts 1, 1, 2, 3, 3, 3, 3, 2, 1, 1 for U = 0..9.
    80%: the largest k with 2 P(U <= k-1) <= 0.2 is k = 2 (2 * 2/20 = 0.2), so the
    interval is [d_(2), d_(8)] = [-1, 4], covering exactly 1 - 4/20 = 0.8.
    95%: even k = 1 covers only 1 - 2/20 = 0.9: the widest interval [-2, 6] and a note.
    """
    eighty = hodges_lehmann([1, 4, 6], [0, 2, 3], confidence=0.80)
    assert (eighty.shift, eighty.low, eighty.high) == (2.0, -1.0, 4.0)
    assert eighty.achieved_confidence == pytest.approx(0.8)
    assert eighty.note == ""
    wide = hodges_lehmann([1, 4, 6], [0, 2, 3], confidence=0.95)
    assert (wide.shift, wide.low, wide.high) == (2.0, -2.0, 6.0)
    assert wide.achieved_confidence == pytest.approx(0.9)
    assert "too few" in wide.note


def test_hodges_lehmann_five_by_five_at_95_percent() -> None:
    """U null for 5 vs 5: P(U <= 2) = 4/252 <= 0.025 < P(U <= 3) = 7/252, so k = 3.
    The differences are 9.5 + (i - j), i - j = -4..4 occurring 1, 2, 3, 4, 5, 4, 3, 2, 1
    times: d_(3) = 9.5 - 3 = 6.5, d_(23) = 9.5 + 3 = 12.5, the median d_(13) = 9.5."""
    x = [10.0, 11.0, 12.0, 13.0, 14.0]
    y = [0.5, 1.5, 2.5, 3.5, 4.5]
    result = hodges_lehmann(x, y)
    differences = np.sort(np.subtract.outer(x, y).ravel())
    assert result.achieved_confidence == pytest.approx(1 - 8 / 252)
    assert (result.low, result.high) == (differences[2], differences[22]) == (6.5, 12.5)
    assert result.shift == 9.5
    assert result.note == ""


@pytest.mark.parametrize("confidence", [0.80, 0.90, 0.95, 0.99])
def test_hodges_lehmann_interval_inverts_scipys_mann_whitney(confidence: float) -> None:
    """The interval holds the shifts that scipy's exact two-sided test does not reject at
    1 - achieved coverage: a shift just inside a bound is accepted, just outside rejected
    at the requested level."""
    rng = np.random.default_rng(int(confidence * 100))
    x, y = rng.normal(1.0, 1.0, 6), rng.normal(0.0, 1.0, 7)
    result = hodges_lehmann(x, y, confidence)
    assert result.achieved_confidence >= confidence
    alpha = 1 - confidence

    def p_at(shift: float) -> float:
        return float(stats.mannwhitneyu(x - shift, y, method="exact").pvalue)

    eps = 1e-9
    assert p_at(result.low - eps) <= alpha + 1e-12
    assert p_at(result.high + eps) <= alpha + 1e-12
    assert p_at(result.low + eps) > alpha
    assert p_at(result.high - eps) > alpha
    assert result.low <= result.shift <= result.high
    assert result.shift == pytest.approx(np.median(np.subtract.outer(x, y)))


def test_hodges_lehmann_refuses_a_confidence_outside_0_1() -> None:
    with pytest.raises(ValueError, match="confidence"):
        hodges_lehmann([1.0], [2.0], confidence=1.0)


# ---------------------------------------------------------------- equivalence


def test_equivalence_on_a_hand_example() -> None:
    """x = 0..4, y = 0.5..4.5: the differences are (i - j) - 0.5 with i - j = -4..4
    occurring 1, 2, 3, 4, 5, 4, 3, 2, 1 times. 90% for 5 vs 5: P(U <= 4) = 12/252 <= 0.05
    < P(U <= 5) = 19/252, so k = 5: [d_(5), d_(21)] = [-2.5, 1.5], coverage 1 - 24/252;
    the median d_(13) is -0.5."""
    x = [0.0, 1.0, 2.0, 3.0, 4.0]
    y = [0.5, 1.5, 2.5, 3.5, 4.5]
    wide = equivalence(x, y, margin=3.0)
    assert (wide.shift, wide.low, wide.high) == (-0.5, -2.5, 1.5)
    assert wide.achieved_confidence == pytest.approx(1 - 24 / 252)
    assert wide.equivalent and wide.note == ""
    assert not equivalence(x, y, margin=2.0).equivalent  # low -2.5 < -2
    assert not equivalence(x, y, margin=2.5).equivalent  # on the bound: not inside
    assert equivalence(x, y, margin=2.5000001).equivalent


def test_equivalence_cannot_be_shown_with_too_few_runs() -> None:
    """2 vs 2: the widest interval covers 1 - 2/6 < 90%, whatever the margin."""
    result = equivalence([1.0, 1.1], [1.05, 1.02], margin=100.0)
    assert not result.equivalent
    assert result.achieved_confidence == pytest.approx(2 / 3)
    assert "equivalence cannot be shown" in result.note


@pytest.mark.parametrize("margin", [0.0, -1.0, math.inf, math.nan])
def test_equivalence_refuses_a_bad_margin(margin: float) -> None:
    with pytest.raises(ValueError, match="margin"):
        equivalence([1.0, 2.0], [1.0, 2.0], margin=margin)


# ---------------------------------------------------------------- Holm


def test_holm_on_a_hand_example() -> None:
    """Sorted: a 0.01, c 0.03, b 0.04, d 0.20 (m = 4):
    a 4 * 0.01 = 0.04; c 3 * 0.03 = 0.09; b max(0.09, 2 * 0.04 = 0.08) = 0.09 (the
    step-down keeps it monotone); d max(0.09, 1 * 0.20) = 0.20."""
    adjusted = holm({"a": 0.01, "b": 0.04, "c": 0.03, "d": 0.20})
    assert list(adjusted) == ["a", "b", "c", "d"]
    assert adjusted == pytest.approx({"a": 0.04, "b": 0.09, "c": 0.09, "d": 0.20})


def test_holm_caps_at_one_and_keeps_a_single_p() -> None:
    assert holm({"x": 0.6, "y": 0.7}) == {"x": 1.0, "y": 1.0}
    assert holm({"only": 0.03}) == {"only": 0.03}
    assert holm({}) == {}


def test_holm_is_monotone_and_never_below_the_raw_p() -> None:
    rng = np.random.default_rng(6)
    raw = {f"h{i}": float(p) for i, p in enumerate(rng.uniform(0, 0.2, 12))}
    adjusted = holm(raw)
    ordered = sorted(raw, key=raw.__getitem__)
    values = [adjusted[name] for name in ordered]
    assert values == sorted(values)
    assert all(raw[name] <= adjusted[name] <= 1.0 for name in raw)
    smallest = ordered[0]
    assert adjusted[smallest] == pytest.approx(min(1.0, 12 * raw[smallest]))


@pytest.mark.parametrize("p", [-0.1, 1.5, math.nan])
def test_holm_refuses_invalid_p(p: float) -> None:
    with pytest.raises(ValueError, match="not in"):
        holm({"a": 0.1, "b": p})
