"""The score is the mean cost of a call: candidates with periodic work (every N-th call
does much more) score at their mean cost, not at their fastest calls (real compiles, real
workers, matmul). The bounds leave room for a loaded machine: the true ratios are far
from them (3x, 2x, 1.5x slower)."""

from __future__ import annotations

import math
import random
from pathlib import Path

import pytest

from aiopt_harness import compare
from aiopt_harness.measurement.rounds import WARMUP_MIN, WARMUP_PHASES, warmup_counts
from aiopt_harness.noise.periodic_variants import mean_cost_factor, periodic_work
from tests.conftest import ROOT, VARIANTS

MATMUL = ROOT / "programs" / "matmul"


@pytest.mark.parametrize(("period", "extra"), [(8, 16), (4, 4), (6, 6)])
def test_periodic_work_scores_at_its_mean_cost(tmp_path: Path, period: int, extra: int) -> None:
    candidate = tmp_path / f"periodic_{period}_{extra}.cpp"
    candidate.write_text(periodic_work((MATMUL / "initial.cpp").read_text(), period, extra))
    # a period shows only in copies that make more timed calls than the period: a budget
    # of 3 s gives each copy about 20 here (12 pairs, 4 calls per round)
    result = compare(MATMUL / "initial.cpp", candidate, task=MATMUL, budget=3.0)
    assert result.ok, result.message
    assert result.rounds // 12 * 2 >= period, "too few calls per copy to hold the period"
    true_ratio = 1.0 / mean_cost_factor(period, extra)  # 1/3, 1/2, 1/2
    assert result.speedup is not None and result.ci_high is not None
    # each copy sees a whole number of heavy calls in its ~20 timed calls, so a pair's
    # ratio scatters around the true one (period 12 read 0.62 for 0.5 once): 30% room
    assert result.speedup <= true_ratio * 1.3, result.to_dict()
    assert result.ci_high < 1.0
    # most of its calls cost what the initial program's do: the best case sees nothing
    assert result.best_case is not None and result.best_case.estimate > 0.85
    # the result's copy pairs are the score's units: their totals give the score
    assert len(result.copy_pairs) == 12 and len({p.stratum for p in result.copy_pairs}) == 4
    by_stratum: dict[int, list[float]] = {}
    for pair in result.copy_pairs:
        ratio = math.log(pair.baseline_cost_ns / pair.candidate_cost_ns)
        by_stratum.setdefault(pair.stratum, []).append(ratio)
    means = [sum(v) / len(v) for v in by_stratum.values()]
    assert math.exp(sum(means) / len(means)) == pytest.approx(result.speedup, rel=1e-9)
    # and the tail shows what the score counts: the slow calls are far above the median
    assert result.candidate_time_ns is not None
    assert result.candidate_time_ns.tail()["max_over_median"] > 0.5 * (1 + extra)


def test_faster_fastest_call_but_slower_mean_loses(tmp_path: Path) -> None:
    """The better kernel (2-3.3x faster here) with every 4th call 17x heavier: its fastest
    calls beat the initial program's, its mean cost (5x the better kernel's) does not."""
    candidate = tmp_path / "better_periodic.cpp"
    candidate.write_text(periodic_work((VARIANTS / "matmul" / "better.cpp").read_text(), 4, 16))
    result = compare(MATMUL / "initial.cpp", candidate, task=MATMUL, budget=1.5)
    assert result.ok, result.message
    assert result.best_case is not None and result.best_case.low > 1.2
    assert result.ci_high is not None and result.ci_high < 1.0


def test_warmup_counts_spread_the_copies_phases_evenly() -> None:
    """Every 8 pairs get each warm-up count from 2 to 9 once: a periodic program's copies
    start their timed calls at every phase of a period dividing 8."""
    rng = random.Random(7)
    for pairs in (8, 12, 24):
        counts = warmup_counts(pairs, rng)
        assert len(counts) == pairs and min(counts) >= WARMUP_MIN
        for start in range(0, pairs - WARMUP_PHASES + 1, WARMUP_PHASES):
            block = counts[start : start + WARMUP_PHASES]
            assert sorted(block) == list(range(WARMUP_MIN, WARMUP_MIN + WARMUP_PHASES))
    # the blocks are shuffled, not one fixed order a candidate could learn
    assert len({tuple(warmup_counts(8, random.Random(seed))) for seed in range(5)}) > 1
