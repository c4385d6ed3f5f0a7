"""Across-task aggregates: IQM against scipy and by hand, the stratified bootstrap by its
properties, the performance profile by hand."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pytest
from scipy import stats  # type: ignore[import-untyped]

from aiopt_harness.analysis.aggregates import iqm, performance_profile, stratified_bootstrap


def mean(values: npt.NDArray[np.float64]) -> float:
    return float(np.mean(values))


# ---------------------------------------------------------------- IQM


def test_iqm_by_hand() -> None:
    # 8 values: 2 cut from each end, mean of 3, 4, 5, 6
    assert iqm([8, 1, 7, 2, 6, 3, 5, 4]) == 4.5
    # 10 values: int(2.5) = 2 cut from each end, mean of 3..8
    assert iqm(range(1, 11)) == 5.5
    # outliers fall in the cut quarters
    assert iqm([0, 5, 5, 5, 1000, 5, 5, -1000]) == 5.0
    # under 4 values nothing is cut
    assert iqm([1, 2, 9]) == 4.0


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5, 7, 13, 40])
def test_iqm_equals_scipy_trim_mean(size: int) -> None:
    values = np.random.default_rng(size).lognormal(0.0, 1.0, size)
    assert iqm(values) == pytest.approx(stats.trim_mean(values, 0.25), rel=1e-12)


def test_iqm_refuses_empty_or_nan() -> None:
    with pytest.raises(ValueError, match="empty"):
        iqm([])
    with pytest.raises(ValueError, match="NaN"):
        iqm([1.0, math.nan])


# ---------------------------------------------------------------- stratified bootstrap


def test_one_stratum_is_a_plain_percentile_bootstrap() -> None:
    """A percentile bootstrap written out here, with the documented seed logic."""
    values = np.random.default_rng(10).normal(1.0, 0.5, 9)
    ours = stratified_bootstrap({"task": values}, iqm, reps=500, confidence=0.9, seed=7)
    rng = np.random.default_rng(7)
    resamples = values[rng.integers(0, values.size, size=(500, values.size))]
    replicates = [stats.trim_mean(row, 0.25) for row in resamples]
    assert ours.estimate == pytest.approx(stats.trim_mean(values, 0.25))
    assert ours.low == pytest.approx(np.quantile(replicates, 0.05), rel=1e-12)
    assert ours.high == pytest.approx(np.quantile(replicates, 0.95), rel=1e-12)
    assert (ours.reps, ours.confidence) == (500, 0.9)


def test_resamples_stay_within_their_strata() -> None:
    """Constant within each task but different across tasks: every stratified resample
    has 3 zeros and 5 ones (mean 0.625), so the interval has no width. Resampling the
    pooled runs would vary the mix."""
    result = stratified_bootstrap({"t1": [0.0, 0.0, 0.0], "t2": [1.0] * 5}, mean, reps=300)
    assert result.estimate == result.low == result.high == 0.625


def test_two_strata_follow_the_documented_seed_logic() -> None:
    first, second = np.array([1.0, 2.0, 4.0]), np.array([10.0, 30.0])
    ours = stratified_bootstrap({"a": first, "b": second}, mean, reps=200, seed=2)
    rng = np.random.default_rng(2)
    rows = np.concatenate(
        [first[rng.integers(0, 3, size=(200, 3))], second[rng.integers(0, 2, size=(200, 2))]],
        axis=1,
    )
    replicates = rows.mean(axis=1)
    assert ours.low == pytest.approx(np.quantile(replicates, 0.025), rel=1e-12)
    assert ours.high == pytest.approx(np.quantile(replicates, 0.975), rel=1e-12)
    assert ours.estimate == pytest.approx(47.0 / 5)


def test_interval_contains_the_estimate_and_nests_by_confidence() -> None:
    rng = np.random.default_rng(11)
    groups = {f"task{i}": rng.lognormal(0.1 * i, 0.3, 5) for i in range(4)}
    wide = stratified_bootstrap(groups, iqm, reps=1000, confidence=0.95, seed=1)
    narrow = stratified_bootstrap(groups, iqm, reps=1000, confidence=0.5, seed=1)
    assert wide.low < wide.estimate < wide.high
    assert wide.low < narrow.low < narrow.high < wide.high
    assert stratified_bootstrap(groups, iqm, reps=1000, confidence=0.95, seed=1) == wide
    assert stratified_bootstrap(groups, iqm, reps=1000, confidence=0.95, seed=2) != wide


def test_constant_data_give_a_zero_width_interval() -> None:
    result = stratified_bootstrap({"a": [1.3] * 4, "b": [1.3] * 6}, iqm, reps=100)
    assert (result.low, result.estimate, result.high) == (1.3, 1.3, 1.3)


def test_stratified_bootstrap_refuses_bad_input() -> None:
    with pytest.raises(ValueError, match="no strata"):
        stratified_bootstrap({}, mean)
    with pytest.raises(ValueError, match="stratum 'b' is empty"):
        stratified_bootstrap({"a": [1.0], "b": []}, mean)
    with pytest.raises(ValueError, match="confidence"):
        stratified_bootstrap({"a": [1.0]}, mean, confidence=0.0)
    with pytest.raises(ValueError, match="reps"):
        stratified_bootstrap({"a": [1.0]}, mean, reps=0)


# ---------------------------------------------------------------- performance profile


def test_performance_profile_counts_scores_strictly_above_each_threshold() -> None:
    scores = [0.9, 1.0, 1.5, 2.0, 3.0]
    profile = performance_profile(scores, [0.5, 1.0, 1.5, 2.5, 3.0])
    assert profile == [1.0, 0.6, 0.4, 0.2, 0.0]
    assert performance_profile(scores, []) == []
