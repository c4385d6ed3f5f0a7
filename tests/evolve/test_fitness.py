import math
from pathlib import Path

from aiopt_harness.evolve.fitness import BestScore, confirmed_score, metric_score, safe_score


def test_scores_are_plain_finite_non_negative_floats() -> None:
    for value in (None, math.nan, math.inf, -math.inf, -2.0):
        score = safe_score(value)
        assert score == 0.0 and type(score) is float
    assert safe_score(1.25) == 1.25


def test_a_confirmed_score_is_the_lower_of_two() -> None:
    assert confirmed_score(1.30, None) == 1.30
    assert confirmed_score(1.30, 1.10) == 1.10
    assert confirmed_score(1.05, 1.20) == 1.05


def test_metric_scores_grow_with_improvement() -> None:
    assert metric_score(0.43, "maximize") > metric_score(0.37, "maximize")
    assert metric_score(2.0, "minimize") > metric_score(3.0, "minimize")


def test_best_score_only_rises(tmp_path: Path) -> None:
    best = BestScore(tmp_path)
    assert best.read() == 0.0
    assert best.offer(1.1, "a.cpp")
    assert not best.offer(1.05, "b.cpp")
    assert best.offer(1.2, "c.cpp")
    assert best.read() == 1.2
