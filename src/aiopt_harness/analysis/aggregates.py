"""Aggregates across tasks, after rliable (Agarwal et al. 2021, "Deep reinforcement
learning at the edge of the statistical precipice").

The interquartile mean of all runs of all tasks, a stratified bootstrap interval for any
such statistic (runs resampled within each task), and the performance profile (the
fraction of runs scoring above each threshold).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True)
class Interval:
    """A statistic of the pooled runs (``estimate``) and its percentile bootstrap
    interval [``low``, ``high``] at ``confidence`` from ``reps`` resamples."""

    estimate: float
    low: float
    high: float
    reps: int
    confidence: float


def _values(values: Sequence[float] | npt.ArrayLike, name: str) -> npt.NDArray[np.float64]:
    array = np.asarray(values, dtype=np.float64).ravel()
    if array.size == 0:
        raise ValueError(f"{name} is empty")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return array


def iqm(values: Sequence[float] | npt.ArrayLike) -> float:
    """The interquartile mean: the mean of the middle 50% of the values.

    As rliable computes it, ``scipy.stats.trim_mean(values, 0.25)``: with n values
    sorted, int(0.25 n) are cut from each end (so nothing is cut below 4 values).
    Pass all runs of all tasks (flattened) for rliable's aggregate IQM.
    """
    ordered = np.sort(_values(values, "values"))
    cut = int(0.25 * ordered.size)
    return float(ordered[cut : ordered.size - cut].mean())


def stratified_bootstrap(
    groups: Mapping[str, Sequence[float] | npt.ArrayLike],
    statistic: Callable[[npt.NDArray[np.float64]], float],
    reps: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
) -> Interval:
    """A percentile bootstrap interval of ``statistic`` of the pooled runs, resampling
    runs with replacement within each stratum (task), as rliable does.

    Each stratum keeps its size, so every resample has every task with its number of
    runs. Seed logic: ``rng = np.random.default_rng(seed)``; for each stratum in the
    mapping's order, ``rng.integers(0, n_s, size=(reps, n_s))`` indexes its resamples;
    resample r pools the strata's row r in that order. The interval is the
    (1 - confidence)/2 and (1 + confidence)/2 quantiles (numpy's default, linear) of
    the ``reps`` resampled statistics; ``estimate`` is the statistic of the pooled data.
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    if reps < 1:
        raise ValueError(f"reps must be positive, got {reps}")
    if not groups:
        raise ValueError("no strata to bootstrap")
    strata = [_values(values, f"stratum {name!r}") for name, values in groups.items()]
    rng = np.random.default_rng(seed)
    resampled = np.concatenate(
        [stratum[rng.integers(0, stratum.size, size=(reps, stratum.size))] for stratum in strata],
        axis=1,
    )
    estimates = np.array([statistic(row) for row in resampled], dtype=np.float64)
    low, high = np.quantile(estimates, [(1.0 - confidence) / 2, (1.0 + confidence) / 2])
    return Interval(
        estimate=float(statistic(np.concatenate(strata))),
        low=float(low),
        high=float(high),
        reps=reps,
        confidence=confidence,
    )


def performance_profile(
    values: Sequence[float] | npt.ArrayLike, thresholds: Sequence[float] | npt.ArrayLike
) -> list[float]:
    """The fraction of runs whose score is strictly above each threshold tau (rliable's
    run-score distribution, Agarwal et al. 2021), in the thresholds' order."""
    scores = _values(values, "values")
    taus = np.asarray(thresholds, dtype=np.float64).ravel()
    return [float(np.mean(scores > tau)) for tau in taus]
