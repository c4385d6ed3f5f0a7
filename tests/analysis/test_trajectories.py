"""Best-so-far curves, their normalized area, hitting times and their ECDF, by hand."""

from __future__ import annotations

import math

import pytest

from aiopt_harness.analysis.trajectories import (
    TrajectoryPoint,
    best_so_far,
    first_reach,
    fixed_target_ecdf,
    normalized_auc,
)

# ---------------------------------------------------------------- best so far


def test_best_so_far_ignores_invalid_children_and_noise() -> None:
    speedups = [None, 1.01, 1.5, 1.2, None, 2.0, 1.9]
    assert best_so_far(speedups, threshold=1.02) == [1.0, 1.0, 1.5, 1.5, 1.5, 2.0, 2.0]


def test_best_so_far_starts_at_one_and_counts_only_values_above_the_threshold() -> None:
    assert best_so_far([0.8, 1.0, 1.001]) == [1.0, 1.0, 1.001]
    assert best_so_far([1.02, 1.03], threshold=1.02) == [1.0, 1.03]
    assert best_so_far([]) == []


@pytest.mark.parametrize("bad", [math.nan, 0.0, -1.0, math.inf])
def test_best_so_far_refuses_impossible_speedups(bad: float) -> None:
    with pytest.raises(ValueError, match="speedup 1"):
        best_so_far([1.1, bad])


# ---------------------------------------------------------------- normalized AUC


def test_a_run_that_reached_s_at_zero_scores_log_s() -> None:
    assert normalized_auc([0.0], [2.0], x_max=10.0) == pytest.approx(math.log(2.0))


def test_auc_of_a_hand_step_function() -> None:
    """log best: 0 on [0, 2), log 2 on [2, 5), log 4 = 2 log 2 on [5, 10]:
    (3 log 2 + 10 log 2) / 10 = 1.3 log 2. (Linear interpolation between the points
    would give (1.5 log 2 + 4.5 log 2 + 10 log 2) / 10 = 1.6 log 2.)"""
    auc = normalized_auc([0.0, 2.0, 5.0], [1.0, 2.0, 4.0], x_max=10.0)
    assert auc == pytest.approx(1.3 * math.log(2.0))


def test_auc_before_the_first_point_is_zero_and_after_x_max_is_cut() -> None:
    # best e from x = 4: 6 of 10 units at log e = 1
    assert normalized_auc([4.0], [math.e], x_max=10.0) == pytest.approx(0.6)
    # e from 5 to 10; e^2 at 20 lies beyond x_max
    assert normalized_auc([0.0, 5.0, 20.0], [1.0, math.e, math.e**2], 10.0) == pytest.approx(0.5)
    assert normalized_auc([], [], 10.0) == 0.0


def test_auc_of_a_trajectory_over_tokens() -> None:
    run = [
        TrajectoryPoint(iteration=1, tokens=100, wall_seconds=3.0, speedup=None),
        TrajectoryPoint(iteration=2, tokens=300, wall_seconds=5.0, speedup=1.5),
        TrajectoryPoint(iteration=3, tokens=600, wall_seconds=9.0, speedup=1.01),
    ]
    best = best_so_far([p.speedup for p in run], threshold=1.02)
    tokens = [float(p.tokens) for p in run]
    # 1.5 from 300 to 1000 tokens: 0.7 log 1.5
    assert normalized_auc(tokens, best, x_max=1000.0) == pytest.approx(0.7 * math.log(1.5))
    assert first_reach(tokens, best, 1.4) == 300.0


def test_auc_refuses_bad_curves() -> None:
    with pytest.raises(ValueError, match="non-decreasing"):
        normalized_auc([2.0, 1.0], [1.0, 1.0], 10.0)
    with pytest.raises(ValueError, match="x values for"):
        normalized_auc([0.0], [1.0, 2.0], 10.0)
    with pytest.raises(ValueError, match="x_max"):
        normalized_auc([0.0], [1.0], 0.0)
    with pytest.raises(ValueError, match="positive"):
        normalized_auc([0.0], [0.0], 1.0)


# ---------------------------------------------------------------- hitting times


def test_first_reach() -> None:
    xs, best = [0.0, 3.0, 7.0], [1.0, 1.5, 2.0]
    assert first_reach(xs, best, 1.5) == 3.0
    assert first_reach(xs, best, 1.6) == 7.0
    assert first_reach(xs, best, 1.0) == 0.0
    assert first_reach(xs, best, 2.5) is None


def test_fixed_target_ecdf_counts_runs_that_never_reached_as_not_reached() -> None:
    hits = [1.0, None, 3.0, 3.0, 10.0]
    assert fixed_target_ecdf(hits, [0.0, 1.0, 2.0, 3.0, 100.0]) == [0.0, 0.2, 0.2, 0.6, 0.8]
    assert fixed_target_ecdf([None, None], [5.0]) == [0.0]
    with pytest.raises(ValueError, match="no runs"):
        fixed_target_ecdf([], [1.0])
