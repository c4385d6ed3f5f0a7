"""A/A and 5% calibration of ``compare`` on the matmul task.

Prints, side by side from one run:
- A/A: how many of N comparisons of two identical copies of the initial program give a
  95% interval containing 1.0, and the median relative half-width of the interval;
- 5%: how many of N comparisons of the initial program against a variant doing 5% more
  work (bench/variants/matmul_5pct_slower.cpp) rank them correctly with the interval
  excluding 1.0 (half of the runs with each program as the baseline).

Usage: python bench/calibration.py [--runs 20] [--budget 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from aiopt_harness import compare

ROOT = Path(__file__).resolve().parent.parent
TASK = ROOT / "programs" / "matmul"
INITIAL = TASK / "initial.cpp"
SLOWER = ROOT / "bench" / "variants" / "matmul_5pct_slower.cpp"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--budget", type=float, default=3.0)
    args = parser.parse_args()

    started = time.monotonic()
    covered, half_widths, rounds = 0, [], []
    print(f"A/A: {args.runs} x compare(initial, initial), budget {args.budget:g} s")
    for run in range(args.runs):
        result = compare(INITIAL, INITIAL, task=TASK, budget=args.budget)
        assert result.ci_low is not None and result.ci_high is not None
        assert result.speedup is not None
        inside = result.ci_low <= 1.0 <= result.ci_high
        covered += inside
        half_widths.append(max(result.speedup / result.ci_low, result.ci_high / result.speedup) - 1)
        rounds.append(result.rounds)
        print(
            f"  {run + 1:2d}: {result.speedup:.4f} [{result.ci_low:.4f}, {result.ci_high:.4f}] "
            f"rounds={result.rounds} {'' if inside else 'EXCLUDES 1.0'}",
            flush=True,
        )

    correct = 0
    print(f"5%: {args.runs} x compare with a 5% slower variant")
    for run in range(args.runs):
        slower_is_candidate = run % 2 == 0
        baseline, candidate = (INITIAL, SLOWER) if slower_is_candidate else (SLOWER, INITIAL)
        result = compare(baseline, candidate, task=TASK, budget=args.budget)
        assert result.ci_low is not None and result.ci_high is not None
        right = result.ci_high < 1.0 if slower_is_candidate else result.ci_low > 1.0
        correct += right
        print(
            f"  {run + 1:2d}: {result.speedup:.4f} [{result.ci_low:.4f}, {result.ci_high:.4f}] "
            f"{'ok' if right else 'WRONG or undecided'}",
            flush=True,
        )

    print()
    print(f"A/A interval contains 1.0:      {covered}/{args.runs}   (goal >= {0.9 * args.runs:g})")
    print(f"A/A median half-width:          {statistics.median(half_widths):.2%}   (goal <= 1.5%)")
    print(f"A/A median rounds:              {statistics.median(rounds):g}")
    print(f"5% ranked right, excluding 1.0: {correct}/{args.runs}   (goal >= {0.9 * args.runs:g})")
    print(f"wall time: {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
