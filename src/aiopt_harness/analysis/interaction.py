"""The interaction of the 2x2 design: does profiler feedback help the strong model more?

The cells are passed by role: a = weak model, feedback off; b = weak, on; c = strong,
off; d = strong, on. (Pass them by role, not by track letter: experiment/spec.py's
letters are A weak/off, B strong/off, C weak/on, D strong/on.) On log speedups, the
difference in differences

    DiD = (mean(d) - mean(c)) - (mean(b) - mean(a))

is the extra effect of feedback with the strong model (the interaction coefficient of
the saturated two-way model, whatever the cell sizes). It is symmetric in the two
factors: swapping b and c changes neither DiD nor p, only which simple effects are
reported as ``feedback_weak`` and ``feedback_strong``. Its two-sided p comes from a
permutation test of the residuals of the additive model (Freedman & Lane 1983; see
Anderson & Legendre 1999 and Winkler et al. 2014 for its properties).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

_CHUNK = 5_000  # permutations per batch (bounds memory)
_RELATIVE_TOLERANCE = 1e-12  # |DiD*| within this of |DiD| counts as at least as extreme


@dataclass(frozen=True)
class Interaction:
    """The 2x2 interaction on log speedups.

    ``feedback_weak`` = mean(b) - mean(a) and ``feedback_strong`` = mean(d) - mean(c)
    are the simple effects of feedback; ``did`` is their difference; ``p`` the two-sided
    Freedman-Lane permutation p of ``did`` from ``permutations`` random permutations.
    """

    did: float
    feedback_weak: float
    feedback_strong: float
    p: float
    permutations: int
    seed: int


CELLS = ("a (weak, off)", "b (weak, on)", "c (strong, off)", "d (strong, on)")


def _cell(values: Sequence[float] | npt.ArrayLike, name: str) -> npt.NDArray[np.float64]:
    array = np.asarray(values, dtype=np.float64).ravel()
    if array.size == 0:
        raise ValueError(f"cell {name} has no runs: the 2x2 interaction needs every cell")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"cell {name} contains NaN or infinite values (log of speedup <= 0?)")
    return array


def interaction_test(
    a: Sequence[float] | npt.ArrayLike,
    b: Sequence[float] | npt.ArrayLike,
    c: Sequence[float] | npt.ArrayLike,
    d: Sequence[float] | npt.ArrayLike,
    permutations: int = 20_000,
    seed: int = 0,
) -> Interaction:
    """The difference in differences of the 2x2 design and its Freedman-Lane p.

    Pass each track's runs as log speedups (a = weak/off, b = weak/on, c = strong/off,
    d = strong/on). Method (Freedman & Lane 1983):

    1. fit the additive model y = mu + model + feedback (no interaction) by least
       squares; keep its fitted values f and residuals e;
    2. for each of ``permutations`` uniform random permutations P (from
       ``np.random.default_rng(seed)``), form y* = f + P e and compute its DiD. The
       fitted values are additive, so their DiD is zero and DiD* is the DiD of the
       permuted residuals;
    3. p = (k + 1) / (permutations + 1), k = #{|DiD*| >= |DiD|} (two-sided, the
       observed labeling counted once).

    Residuals of a fitted model are not exactly exchangeable, so the test is
    approximate, though close to exact in simulations (Anderson & Legendre 1999) and
    asymptotically exact (Anderson & Robinson 2001). An exactly additive dataset has
    DiD = 0 and p = 1.
    """
    if permutations < 1:
        raise ValueError(f"permutations must be positive, got {permutations}")
    cells = [_cell(values, name) for values, name in zip((a, b, c, d), CELLS, strict=True)]
    y = np.concatenate(cells)
    sizes = [cell.size for cell in cells]
    strong = np.repeat([0.0, 0.0, 1.0, 1.0], sizes)
    feedback = np.repeat([0.0, 1.0, 0.0, 1.0], sizes)
    design = np.column_stack([np.ones_like(y), strong, feedback])
    coefficients, *_ = np.linalg.lstsq(design, y, rcond=None)
    residuals = y - design @ coefficients
    # DiD as a linear contrast of the observations: +A/nA - B/nB - C/nC + D/nD
    weights = np.repeat([1.0 / sizes[0], -1.0 / sizes[1], -1.0 / sizes[2], 1.0 / sizes[3]], sizes)
    means = [float(cell.mean()) for cell in cells]
    feedback_weak, feedback_strong = means[1] - means[0], means[3] - means[2]
    did = feedback_strong - feedback_weak
    observed = abs(did)
    scale = max(observed, float(np.abs(y).max()), 1.0)
    bound = observed - _RELATIVE_TOLERANCE * scale
    rng = np.random.default_rng(seed)
    extreme = 0
    for start in range(0, permutations, _CHUNK):
        batch = min(_CHUNK, permutations - start)
        shuffled = rng.permuted(np.tile(residuals, (batch, 1)), axis=1)
        extreme += int(np.sum(np.abs(shuffled @ weights) >= bound))
    return Interaction(
        did=did,
        feedback_weak=feedback_weak,
        feedback_strong=feedback_strong,
        p=(extreme + 1) / (permutations + 1),
        permutations=permutations,
        seed=seed,
    )
