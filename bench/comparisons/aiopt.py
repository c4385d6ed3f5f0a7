"""Ours: ``aiopt_harness.compare`` as the evaluator runs it (12 pairs of loaded copies,
each pair on one random layout draw, spread evenly over the code-alignment strata;
ABBA/BAAB rounds on fresh inputs; the stratified 95% t interval over copy pairs); a
difference counts when the interval excludes 1. Run at the common budget, and at
``FAST_SHARE`` of it so that its whole decision takes no longer than the fastest peer's
(its fixed cost, 24 processes started and checked, is larger than theirs)."""

from __future__ import annotations

from pathlib import Path

from decision import OPTIONS, Decision, timed, verdict
from kernels import TASK

from aiopt_harness import compare

NAME = "aiopt compare: interleaved, copy pairs"
FAST_SHARE = 0.4


def _decide(name: str, a: Path, b: Path, budget: float) -> list[Decision]:
    result = compare(a, b, task=TASK, budget=budget, **OPTIONS)
    if not result.ok or result.speedup is None:
        raise RuntimeError(f"compare: {result.status.value}: {result.message}")
    assert result.ci_low is not None and result.ci_high is not None
    different = not result.ci_low <= 1.0 <= result.ci_high
    half = max(result.speedup / result.ci_low, result.ci_high / result.speedup) - 1.0
    detail = f"[{result.ci_low:.4f}, {result.ci_high:.4f}]"
    return [Decision(name, verdict(different, result.speedup), result.speedup, half, 0.0, detail)]


def run(a: Path, b: Path, budget: float) -> list[Decision]:
    return timed(lambda: _decide(NAME, a, b, budget))


def run_fast(a: Path, b: Path, budget: float) -> list[Decision]:
    name = f"{NAME}, {FAST_SHARE:g} x budget"
    return timed(lambda: _decide(name, a, b, budget * FAST_SHARE))
