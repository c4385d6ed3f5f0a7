"""Per-call harness overhead on the empty candidate, with and without perf counters.

Both configurations run interleaved in one invocation (alternating measurements, several
repetitions), so their ratio is measured side by side on the same machine state.

Usage: python bench/overhead.py [--repeats 5] [--budget 0.5]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from aiopt_harness import _core, measure
from aiopt_harness.build.compiler import compile_candidate
from aiopt_harness.tasks.task import DEFAULT_CXXFLAGS

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
        print(
            f"  {label}: median {statistics.median(medians[counters]):8.1f}   "
            f"min {min(minimums[counters]):8.1f}"
        )
    print("(counter reads happen outside the two clock readings, so they do not show here)")
    loop_cost(args.repeats)


def loop_cost(repeats: int, calls: int = 20_000) -> None:
    """Whole-loop cost per empty call (clock reads, thread CPU clock, counter reads),
    with and without counters, alternating in this process."""
    shared_object = compile_candidate(EMPTY, DEFAULT_CXXFLAGS).shared_object
    assert shared_object is not None
    state = _core.State(_core.Program(str(shared_object)), b"")
    counters = _core.Counters(_core.default_event_groups())
    open_groups = sum(
        any(s["available"] for s in group_statuses)
        for group_statuses in _split(counters.statuses(), _core.default_event_groups())
    )
    order = [0] * calls
    costs: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(repeats):
        for with_counters in (False, True):
            started = time.perf_counter_ns()
            _core.time_calls([state], order, counters if with_counters else None)
            costs[with_counters].append((time.perf_counter_ns() - started) / calls)
    state.close()
    without, with_ = min(costs[False]), min(costs[True])
    print(f"whole timed loop per empty call (min of {repeats} x {calls} calls, ns):")
    print(f"  without counters: {without:8.1f}")
    print(f"  with counters   : {with_:8.1f}   ({open_groups} counter group(s) open here)")
    print(f"  ratio with/without: {with_ / without:.1f}x")


def _split(
    statuses: list[dict[str, object]], groups: list[list[str]]
) -> list[list[dict[str, object]]]:
    result, start = [], 0
    for group in groups:
        result.append(statuses[start : start + len(group)])
        start += len(group)
    return result


if __name__ == "__main__":
    main()
