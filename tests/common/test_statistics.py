import math
import random

import numpy as np
import pytest

from aiopt_harness.common.statistics import (
    copy_ratio,
    median_ratio,
    quantile,
    round_log_ratios,
    sign_test_ranks,
    stratified_copy_ratio,
    time_stats,
)


def test_quantile_matches_numpy_linear_method() -> None:
    rng = random.Random(1)
    values = [rng.random() for _ in range(37)]
    for q in (0.0, 0.1, 0.5, 0.9, 1.0):
        assert quantile(values, q) == pytest.approx(float(np.quantile(values, q)))


def test_quantile_rejects_empty_and_out_of_range() -> None:
    with pytest.raises(ValueError):
        quantile([], 0.5)
    with pytest.raises(ValueError):
        quantile([1.0], 1.5)


def test_time_stats_summary() -> None:
    stats = time_stats([5.0, 1.0, 3.0, 2.0, 4.0])
    assert (stats.n, stats.min, stats.median, stats.mean, stats.max) == (5, 1.0, 3.0, 3.0, 5.0)
    assert stats.p10 == pytest.approx(1.4)


@pytest.mark.parametrize(
    ("n", "k"),
    [(5, 1), (6, 1), (20, 6), (50, 18), (100, 40)],  # standard sign-test tables at 95%
)
def test_sign_test_ranks_match_tables(n: int, k: int) -> None:
    rank, coverage = sign_test_ranks(n, 0.95)
    assert rank == k
    tail = sum(math.comb(n, i) for i in range(rank)) / 2**n
    assert coverage == pytest.approx(1 - 2 * tail)
    if n >= 6:
        assert coverage >= 0.95
        # one rank further in would fall short of 95%
        tail_next = sum(math.comb(n, i) for i in range(rank + 1)) / 2**n
        assert 1 - 2 * tail_next < 0.95


def test_sign_test_reports_shortfall_for_tiny_samples() -> None:
    rank, coverage = sign_test_ranks(5, 0.95)
    assert rank == 1
    assert coverage == pytest.approx(1 - 2 / 32)


def test_median_ratio_interval_covers_the_truth_at_its_level() -> None:
    """On synthetic paired log ratios with skewed, heavy-tailed noise around a known
    median, the sign-test interval covers that median at its stated rate."""
    rng = np.random.default_rng(7)
    true_log = math.log(1.05)
    trials, covered = 2000, 0
    for _ in range(trials):
        noise = rng.standard_t(3, size=60) * 0.01
        estimate = median_ratio((true_log + noise).tolist(), confidence=0.95)
        covered += estimate.low <= 1.05 <= estimate.high
    rate = covered / trials
    assert 0.94 <= rate <= 0.985, rate


def test_median_ratio_point_and_half_width() -> None:
    estimate = median_ratio([math.log(x) for x in (0.9, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5)], 0.5)
    assert estimate.estimate == pytest.approx(1.2)
    assert estimate.low <= estimate.estimate <= estimate.high
    assert estimate.half_width == pytest.approx(
        max(estimate.estimate / estimate.low, estimate.high / estimate.estimate) - 1
    )


def test_round_log_ratios_use_the_minimum_per_round() -> None:
    variants = [0, 1, 1, 0, 1, 0, 0, 1]
    rounds = [0, 0, 0, 0, 1, 1, 1, 1]
    times = [10.0, 5.0, 6.0, 12.0, 4.0, 8.0, 9.0, 8.0]
    ratios = round_log_ratios(variants, rounds, times)
    assert ratios == pytest.approx([math.log(10 / 5), math.log(8 / 4)])


def test_round_log_ratios_skip_incomplete_rounds() -> None:
    assert round_log_ratios([0, 0, 1], [0, 1, 1], [1.0, 2.0, 1.0]) == pytest.approx([math.log(2.0)])


def test_stratified_copy_ratio_by_hand() -> None:
    from scipy import stats

    # Two strata: pair medians 0.10, 0.14 (stratum 0) and 0.00, 0.02, 0.04 (stratum 1).
    rounds = [[0.10], [0.00], [0.14], [0.02], [0.04]]
    strata = [0, 1, 0, 1, 1]
    result = stratified_copy_ratio(rounds, strata)
    means = [0.12, 0.02]
    parts = [0.0008 / 2 / 4, 0.0004 / 3 / 4]  # s_h^2 / n_h / H^2
    variance = sum(parts)
    degrees = variance**2 / (parts[0] ** 2 / 1 + parts[1] ** 2 / 2)
    half = float(stats.t.ppf(0.975, math.floor(degrees))) * math.sqrt(variance)
    assert result.estimate == pytest.approx(math.exp(sum(means) / 2))
    assert result.low == pytest.approx(math.exp(0.07 - half), rel=1e-4)  # t table: 3 digits
    assert result.high == pytest.approx(math.exp(0.07 + half), rel=1e-4)
    assert result.n == 5


def test_stratified_copy_ratio_falls_back_with_a_lone_pair() -> None:
    rounds = [[0.10], [0.00], [0.14]]
    assert stratified_copy_ratio(rounds, [0, 1, 0]) == copy_ratio(rounds)
    with pytest.raises(ValueError):
        stratified_copy_ratio(rounds, [0, 1])


def test_time_stats_tail_over_the_median() -> None:
    # nine calls of 1 and one of 17: the 17x call is in p99 and max, not in the median
    stats = time_stats([1.0] * 9 + [17.0])
    assert stats.median == 1.0
    assert stats.p90 == pytest.approx(2.6)  # numpy's linear method: 1 + 0.1 * 16
    assert stats.p99 == pytest.approx(float(np.quantile([1.0] * 9 + [17.0], 0.99)))
    tail = stats.tail()
    assert tail["max_over_median"] == pytest.approx(17.0)
    assert tail["mean_over_median"] == pytest.approx(2.6)
    assert set(stats.to_dict()) >= {"p90", "p99", "max_over_median", "p99_over_median"}


def test_mean_cost_ratio_is_the_ratio_of_totals_per_pair() -> None:
    from aiopt_harness.common.statistics import mean_cost_ratio, stratified_pair_ratio

    # per pair: baseline total / candidate total; four pairs, two strata
    totals = [(30.0, 10.0), (33.0, 11.0), (27.0, 10.0), (36.0, 12.0)]
    strata = [0, 0, 1, 1]
    result = mean_cost_ratio(totals, strata)
    logs = [math.log(a / b) for a, b in totals]
    assert result == stratified_pair_ratio(logs, strata)
    expected = math.exp(((logs[0] + logs[1]) / 2 + (logs[2] + logs[3]) / 2) / 2)
    assert result.estimate == pytest.approx(expected)
    assert result.low < result.estimate < result.high


def test_mean_cost_counts_the_periodic_call_the_best_case_misses() -> None:
    from aiopt_harness.common.statistics import mean_cost_ratio

    # 12 pairs x 16 rounds; the candidate costs what the baseline does, but every 8th of
    # its calls costs 17x: its mean cost is 3x the baseline's
    rng = random.Random(5)
    per_pair_rounds: list[list[float]] = []
    totals = []
    for _ in range(12):
        a_calls = [1.0 * rng.uniform(0.99, 1.01) for _ in range(32)]
        b_calls = [(17.0 if (i + 1) % 8 == 0 else 1.0) * rng.uniform(0.99, 1.01) for i in range(32)]
        totals.append((sum(a_calls), sum(b_calls)))
        per_pair_rounds.append(
            [
                math.log(min(a_calls[2 * r : 2 * r + 2]) / min(b_calls[2 * r : 2 * r + 2]))
                for r in range(16)
            ]
        )
    strata = [k % 4 for k in range(12)]
    assert stratified_copy_ratio(per_pair_rounds, strata).estimate == pytest.approx(1.0, abs=0.02)
    mean_cost = mean_cost_ratio(totals, strata)
    assert mean_cost.estimate == pytest.approx(1 / 3, rel=0.02)
    assert mean_cost.high < 0.35


def test_pooled_degrees_of_freedom_are_pairs_minus_strata() -> None:
    """Same estimate and variance as the Welch-Satterthwaite interval; t from n - strata
    degrees of freedom (12 pairs in 4 strata: 8, t = 2.306), by hand."""
    import math as m

    from aiopt_harness.common.statistics import stratified_pair_ratio, t_quantile_975

    values = [0.01, 0.03, 0.02, -0.01, 0.00, 0.04, 0.02, 0.02, 0.05, -0.02, 0.01, 0.00]
    strata = [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]
    groups = [values[i : i + 3] for i in range(0, 12, 3)]
    means = [sum(g) / 3 for g in groups]
    variance = (
        sum(sum((v - mu) ** 2 for v in g) / 2 / 3 for g, mu in zip(groups, means, strict=True)) / 16
    )
    half = t_quantile_975(8) * m.sqrt(variance)
    pooled = stratified_pair_ratio(values, strata, pooled_df=True)
    welch = stratified_pair_ratio(values, strata)
    assert pooled.estimate == welch.estimate == m.exp(sum(means) / 4)
    assert m.log(pooled.high) - m.log(pooled.estimate) == pytest.approx(half)
    assert pooled.high <= welch.high  # Welch-Satterthwaite's df is at most n - strata
