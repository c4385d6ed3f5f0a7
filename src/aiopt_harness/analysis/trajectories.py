"""Anytime performance of runs: best-so-far curves, their normalized area, and
fixed-target hitting times with their empirical distribution (as in IOHprofiler's
fixed-budget and fixed-target views, Doerr et al. 2018).

A run's trajectory is its sequence of :class:`TrajectoryPoint` (one per child); the x
axis of a curve is any of iteration, tokens or wall seconds, non-decreasing along it.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class TrajectoryPoint:
    """One child of a run: when it came (in iterations, LLM tokens and wall seconds
    since the run started) and its speedup (None: the child was invalid)."""

    iteration: int
    tokens: int
    wall_seconds: float
    speedup: float | None


def best_so_far(speedups: Sequence[float | None], threshold: float = 1.0) -> list[float]:
    """The running best speedup after each child, starting from 1.0 (the initial program).

    A speedup that does not exceed ``threshold`` (the task's noise threshold as a
    speedup, e.g. 1.02) counts as 1.0, no improvement; so does None (an invalid child).
    """
    if not threshold > 0.0 or not math.isfinite(threshold):
        raise ValueError(f"threshold must be a positive speedup, got {threshold}")
    best, curve = 1.0, []
    for i, speedup in enumerate(speedups):
        if speedup is not None:
            if not speedup > 0.0 or not math.isfinite(speedup):
                raise ValueError(f"speedup {i} is not a positive finite number: {speedup}")
            if speedup > threshold:
                best = max(best, speedup)
        curve.append(best)
    return curve


def _check_curve(xs: Sequence[float], best: Sequence[float]) -> None:
    if len(xs) != len(best):
        raise ValueError(f"{len(xs)} x values for {len(best)} best-so-far values")
    if any(x < 0.0 or not math.isfinite(x) for x in xs):
        raise ValueError("x values must be finite and non-negative")
    if any(later < earlier for earlier, later in itertools.pairwise(xs)):
        raise ValueError("x values must be non-decreasing")


def normalized_auc(xs: Sequence[float], best: Sequence[float], x_max: float) -> float:
    """The area under log(best-so-far speedup) over [0, x_max], divided by x_max.

    Step integration, no interpolation: best[i] holds from xs[i] until xs[i+1] (the last
    one until x_max; before xs[0] the best is 1.0, log 0); points beyond x_max are cut
    off. The result is a time-averaged log speedup: a run that reached speedup s at
    x = 0 scores log s; one that reached it at x_max / 2 scores (log s) / 2.
    """
    _check_curve(xs, best)
    if not x_max > 0.0 or not math.isfinite(x_max):
        raise ValueError(f"x_max must be positive and finite, got {x_max}")
    if any(not value > 0.0 or not math.isfinite(value) for value in best):
        raise ValueError("best-so-far speedups must be positive and finite")
    edges = [min(x, x_max) for x in xs] + [x_max]
    area = sum(
        math.log(value) * (right - left)
        for value, (left, right) in zip(best, itertools.pairwise(edges), strict=True)
    )
    return area / x_max


def first_reach(xs: Sequence[float], best: Sequence[float], target: float) -> float | None:
    """The first x at which the best-so-far speedup is >= ``target`` (None: never)."""
    _check_curve(xs, best)
    return next((float(x) for x, value in zip(xs, best, strict=True) if value >= target), None)


def fixed_target_ecdf(hit_times: Sequence[float | None], grid: Sequence[float]) -> list[float]:
    """For each grid value g, the fraction of runs that reached the target by g
    (hit time <= g); runs that never reached it (None) count as not reached."""
    if not hit_times:
        raise ValueError("no runs: the ECDF of hitting times needs at least one")
    size = len(hit_times)
    return [sum(1 for t in hit_times if t is not None and t <= g) / size for g in grid]
