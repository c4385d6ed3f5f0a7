"""Ours: ``aiopt_harness.compare`` as the evaluator runs it (12 pairs of loaded copies at
random code placements, ABBA/BAAB rounds on fresh inputs, the 95% t interval over copy
pairs); a difference counts when the interval excludes 1.

From the same compare's calls, two other summaries over the copy pairs are reported as
rows of their own (same seconds): the median of the pair values with its sign-test
interval, and the 20% trimmed mean with Yuen's interval; both resist a copy pair whose
process drew an unlucky placement (per-process effects on matmul reach tens of percent)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from decision import OPTIONS, Decision, timed, verdict
from kernels import TASK
from scipy.stats import t as student_t

from aiopt_harness import compare
from aiopt_harness.common.statistics import median_ratio, quantile, round_log_ratios

NAME = "aiopt compare: interleaved, copy pairs"
MEDIAN_NAME = "aiopt compare, median of pairs (sign test)"
TRIMMED_NAME = "aiopt compare, 20% trimmed mean of pairs (Yuen)"
TRIM = 0.2


def pair_values(samples: dict[str, np.ndarray]) -> list[float]:
    """Per copy pair, the median of its round log ratios (as ``compare`` computes them)."""
    values = []
    for copy in sorted(set(samples["copy"].tolist())):
        mask = samples["copy"] == copy
        ratios = round_log_ratios(
            samples["variant"][mask].tolist(),
            samples["round"][mask].tolist(),
            samples["wall_ns"][mask].tolist(),
        )
        if ratios:
            values.append(quantile(ratios, 0.5))
    return values


def yuen_interval(values: list[float], trim: float = TRIM) -> tuple[float, float, float]:
    """(trimmed mean, low, high): Yuen's 95% interval of the ``trim`` trimmed mean."""
    ordered = sorted(values)
    n = len(ordered)
    g = math.floor(trim * n)
    kept = ordered[g : n - g]
    mean = sum(kept) / len(kept)
    winsorized = [min(max(v, ordered[g]), ordered[n - g - 1]) for v in ordered]
    w_mean = sum(winsorized) / n
    w_var = sum((v - w_mean) ** 2 for v in winsorized) / (n - 1)
    se = math.sqrt(w_var) / ((1 - 2 * trim) * math.sqrt(n))
    half = float(student_t.ppf(0.975, len(kept) - 1)) * se
    return mean, mean - half, mean + half


def _row(name: str, estimate: float, low: float, high: float, seconds: float) -> Decision:
    different = not low <= 1.0 <= high
    half = max(estimate / low, high / estimate) - 1.0
    return Decision(
        name, verdict(different, estimate), estimate, half, seconds, f"[{low:.4f}, {high:.4f}]"
    )


def run(a: Path, b: Path, budget: float) -> list[Decision]:
    def once() -> list[Decision]:
        result = compare(a, b, task=TASK, budget=budget, **OPTIONS)
        if not result.ok or result.speedup is None or result.samples is None:
            raise RuntimeError(f"compare: {result.status.value}: {result.message}")
        assert result.ci_low is not None and result.ci_high is not None
        rows = [_row(NAME, result.speedup, result.ci_low, result.ci_high, 0.0)]
        values = pair_values(result.samples)
        by_median = median_ratio(values)
        rows.append(_row(MEDIAN_NAME, by_median.estimate, by_median.low, by_median.high, 0.0))
        mean, low, high = yuen_interval(values)
        rows.append(_row(TRIMMED_NAME, math.exp(mean), math.exp(low), math.exp(high), 0.0))
        return rows

    return timed(once)
