"""The 2x2 interaction: DiD by hand, Freedman-Lane p on datasets with known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from aiopt_harness.analysis.interaction import interaction_test

NOISE = np.array([-0.3, 0.1, 0.25, -0.15, 0.1])


def test_did_on_hand_examples() -> None:
    # feedback adds 1 with the weak model, 3 with the strong one: DiD = 3 - 1 = 2
    result = interaction_test([0.0, 0.0], [1.0, 1.0], [0.0, 0.0], [3.0, 3.0])
    assert (result.feedback_weak, result.feedback_strong, result.did) == (1.0, 3.0, 2.0)
    # unequal cells: means A 2, B 4, C 1, D 8: DiD = (8 - 1) - (4 - 2) = 5
    unequal = interaction_test([1.0, 2.0, 3.0], [4.0], [0.0, 2.0], [5.0, 7.0, 9.0, 11.0])
    assert unequal.did == pytest.approx(5.0)
    assert unequal.feedback_weak == pytest.approx(2.0)
    assert unequal.feedback_strong == pytest.approx(7.0)


def test_exactly_additive_data_give_did_zero_and_p_near_one() -> None:
    """Cell means 0, 0.4, 0.7, 1.1 (feedback +0.4 with either model), same noise in each
    cell: the interaction is exactly zero."""
    a, b, c, d = NOISE + 0.0, NOISE + 0.4, NOISE + 0.7, NOISE + 1.1
    result = interaction_test(a, b, c, d)
    assert result.did == pytest.approx(0.0, abs=1e-12)
    assert result.p > 0.99


def test_a_strong_interaction_under_large_main_effects_gives_a_small_p() -> None:
    """Main effects of 10 and 20, an interaction of 1 and noise of +-0.3. Permuting the
    raw data would mix the main effects into the null and give a large p; permuting the
    additive model's residuals gives the smallest attainable p."""
    a, b, c, d = NOISE + 0.0, NOISE[::-1] + 10.0, NOISE + 20.0, NOISE[::-1] + 31.0
    result = interaction_test(a, b, c, d, permutations=20_000, seed=0)
    assert result.did == pytest.approx(1.0)
    assert result.p < 0.01


def test_one_run_per_cell_matches_the_hand_computed_permutation_p() -> None:
    """A=0, B=0, C=0, D=4. The additive fit leaves residuals DiD/4 * (+1, -1, -1, +1); a
    permutation puts j of the two positive residuals on A and D, giving DiD* = DiD (j - 1).
    |DiD*| >= |DiD| for j = 0 or 2: probability 2 / C(4, 2) = 1/3. (Permuting the raw data
    would always give |DiD*| = 4 = |DiD|, p = 1.)"""
    result = interaction_test([0.0], [0.0], [0.0], [4.0], permutations=20_000, seed=0)
    assert result.did == 4.0
    assert result.p == pytest.approx(1 / 3, abs=0.012)  # > 3.5 standard errors


def test_the_interaction_is_symmetric_in_the_two_factors() -> None:
    """Swapping the weak/on and strong/off cells keeps DiD and p; the simple effects
    reported become the model's effects instead of the feedback's."""
    rng = np.random.default_rng(12)
    a, b, c, d = (rng.normal(mu, 0.2, 5) for mu in (0.0, 0.3, 0.5, 0.4))
    by_feedback = interaction_test(a, b, c, d, permutations=2_000, seed=4)
    by_model = interaction_test(a, c, b, d, permutations=2_000, seed=4)
    assert by_model.did == pytest.approx(by_feedback.did)
    assert 0.01 < by_feedback.p < 0.9
    assert by_model.p == pytest.approx(by_feedback.p, abs=0.05)  # same null, other draws
    assert by_feedback.feedback_weak == pytest.approx(float(b.mean() - a.mean()))
    assert by_model.feedback_weak == pytest.approx(float(c.mean() - a.mean()))


def test_p_ignores_main_effects() -> None:
    """Adding a model effect to C and D and a feedback effect to B and D changes neither
    DiD nor the p of the same permutations (the residuals of the additive fit stay)."""
    rng = np.random.default_rng(8)
    a, b, c, d = (rng.normal(0.0, 0.2, 5) for _ in range(4))
    d = d + 0.3
    base = interaction_test(a, b, c, d, permutations=4_000, seed=3)
    shifted = interaction_test(a, b + 5.0, c - 2.0, d + 3.0, permutations=4_000, seed=3)
    assert shifted.did == pytest.approx(base.did)
    assert shifted.p == pytest.approx(base.p)
    assert 0.0 < base.p < 1.0


def test_p_is_seeded_and_of_the_form_k_plus_1_over_n_plus_1() -> None:
    rng = np.random.default_rng(9)
    a, b, c, d = (rng.normal(0.0, 0.2, 5) for _ in range(4))
    first = interaction_test(a, b, c, d, permutations=999, seed=5)
    assert interaction_test(a, b, c, d, permutations=999, seed=5) == first
    assert interaction_test(a, b, c, d, permutations=999, seed=6).p != first.p
    assert first.p * 1000 == pytest.approx(round(first.p * 1000))
    assert first.permutations == 999 and first.seed == 5


def test_empty_cells_and_nan_are_refused() -> None:
    with pytest.raises(ValueError, match=r"cell c \(strong, off\) has no runs"):
        interaction_test([0.0], [0.0], [], [0.0])
    with pytest.raises(ValueError, match="NaN"):
        interaction_test([0.0], [math.nan], [0.0], [0.0])
    with pytest.raises(ValueError, match="permutations"):
        interaction_test([0.0], [0.0], [0.0], [0.0], permutations=0)
