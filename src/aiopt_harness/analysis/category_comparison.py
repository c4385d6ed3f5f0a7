"""Mutation categories per run and their comparison across tracks.

Each accepted mutation (a valid change: a correct child unlike its parent) is labelled
(multi-label) from its diff. A run's proportion of a label is the share of its accepted
mutations carrying it. Mutations of one run share its lineage, so they are not
independent: tracks are compared on per-run proportions, with an exact permutation test
over runs (difference of mean proportions, two-sided)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

ENUMERATION_LIMIT = 100_000


@dataclass(frozen=True)
class ProportionTest:
    label: str
    mean_x: float
    mean_y: float
    difference: float  # mean_x - mean_y
    p: float  # two-sided, over every relabelling of the runs (exact)
    runs: tuple[int, int]


def proportions(labelled: Sequence[frozenset[str]], labels: Sequence[str]) -> dict[str, float]:
    """Per label, the share of ``labelled`` (one run's mutations) that carry it."""
    if not labelled:
        raise ValueError("a run without accepted mutations has no proportions")
    return {label: sum(label in item for item in labelled) / len(labelled) for label in labels}


def permutation_p(x: Sequence[float], y: Sequence[float]) -> float:
    """Two-sided exact permutation p of the difference of means of ``x`` and ``y``."""
    pooled = [*x, *y]
    n, total = len(x), len(x) + len(y)
    if math.comb(total, n) > ENUMERATION_LIMIT:
        raise ValueError(f"{math.comb(total, n)} relabellings: too many to enumerate")
    observed = abs(sum(x) / len(x) - sum(y) / len(y))
    extreme = count = 0
    whole = sum(pooled)
    for chosen in itertools.combinations(range(total), n):
        part = sum(pooled[i] for i in chosen)
        difference = abs(part / n - (whole - part) / (total - n))
        extreme += difference >= observed - 1e-12
        count += 1
    return extreme / count


def compare_tracks(
    x: Sequence[Mapping[str, float]], y: Sequence[Mapping[str, float]], labels: Sequence[str]
) -> list[ProportionTest]:
    """Per label, track x's runs against track y's (each a run's proportions)."""
    if len(x) < 2 or len(y) < 2:
        raise ValueError("each track needs at least two runs with accepted mutations")
    tests = []
    for label in labels:
        xs, ys = [r[label] for r in x], [r[label] for r in y]
        mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
        tests.append(
            ProportionTest(
                label, mean_x, mean_y, mean_x - mean_y, permutation_p(xs, ys), (len(xs), len(ys))
            )
        )
    return tests
