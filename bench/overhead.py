"""Per-call harness overhead on the empty candidate, with and without perf counters.

Both configurations run interleaved in one invocation (alternating measurements, several
repetitions), so their ratio is measured side by side on the same machine state.

Usage: python bench/overhead.py [--repeats 5] [--budget 0.5]
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from aiopt_harness import measure

ROOT = Path(__file__).resolve().parent.parent
TASK = ROOT / "bench" / "empty_task"
EMPTY = ROOT / "bench" / "variants" / "empty.cpp"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--budget", type=float, default=0.5)
    args = parser.parse_args()

    medians: dict[bool, list[float]] = {False: [], True: []}
    minimums: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(args.repeats):
        for counters in (False, True):
            result = measure(EMPTY, task=TASK, budget=args.budget, counters=counters)
            assert result.time_ns is not None, result.message
            medians[counters].append(result.time_ns.median)
            minimums[counters].append(result.time_ns.min)

    print("wall time of one empty aiopt_run call as the harness records it (ns):")
    for counters in (False, True):
        label = "with counters   " if counters else "without counters"
        print(f"  {label}: median {statistics.median(medians[counters]):8.1f}   "
              f"min {min(minimums[counters]):8.1f}")
    print("(counter reads happen outside the two clock readings; their cost shows as the")
    print(" time between calls, not in the recorded wall time)")


if __name__ == "__main__":
    main()
