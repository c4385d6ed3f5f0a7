"""The harness's own cost: per call on the empty candidate, and one evaluator call.

Per call, with and without perf counters, alternating in one invocation:
- the wall time of one empty ``aiopt_run`` as the worker records it (what a measurement
  of a candidate includes beyond its own work);
- the round trip of one call as the trusted side sees it (request written .. reply read:
  the input and output through the pipes, two wakeups);
- the whole cost per call of a session: input generation, the round trip, the output
  check and the /proc checks.
With ``--evaluator``, also the seconds of evaluator calls on matmul (the initial program
and the known-better one, profile off), the figure an OpenEvolve iteration pays.

Usage: python bench/overhead.py [--repeats 5] [--budget 0.5] [--evaluator]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from aiopt_harness import measure

ROOT = Path(__file__).resolve().parent.parent
TASK = ROOT / "bench" / "empty_task"
EMPTY = ROOT / "bench" / "variants" / "empty.cpp"


def per_call(repeats: int, budget: float) -> None:
    figures: dict[bool, dict[str, list[float]]] = {
        c: {"recorded": [], "round_trip": [], "session": []} for c in (False, True)
    }
    for _ in range(repeats):
        for counters in (False, True):
            started = time.monotonic()
            result = measure(EMPTY, task=TASK, budget=budget, counters=counters)
            elapsed = time.monotonic() - started
            assert result.time_ns is not None, result.message
            calls = result.time_ns.n
            figures[counters]["recorded"].append(result.time_ns.median)
            figures[counters]["round_trip"].append(
                float(statistics.median(result.samples["observed_ns"].tolist()))
            )
            figures[counters]["session"].append(elapsed * 1e9 / calls)
    print("per call of the empty candidate (ns; medians over repeats):")
    print(f"  {'':18} {'recorded wall':>14} {'round trip':>11} {'whole session':>14}")
    for counters in (False, True):
        label = "with counters" if counters else "without counters"
        row = figures[counters]
        print(
            f"  {label:18} {statistics.median(row['recorded']):14.0f} "
            f"{statistics.median(row['round_trip']):11.0f} "
            f"{statistics.median(row['session']):14.0f}"
        )
    print("(the recorded wall time is what a measurement adds to a candidate's own time;")
    print(" counter reads happen outside the worker's two clock readings)")


def evaluator_calls(repeats: int) -> None:
    from aiopt_harness.evolve.evaluator import evaluate_for_task

    matmul = ROOT / "programs" / "matmul"
    programs = {
        "initial": matmul / "initial.cpp",
        "better": ROOT / "tests" / "programs" / "matmul" / "better.cpp",
    }
    seconds: dict[str, list[float]] = {name: [] for name in programs}
    for _ in range(repeats):
        for name, program in programs.items():
            with tempfile.TemporaryDirectory() as state:
                started = time.monotonic()
                result = evaluate_for_task(
                    str(matmul), str(program), state_dir=state, profile=False
                )
                seconds[name].append(time.monotonic() - started)
                assert result.metrics["status"] == "ok", result.metrics
    print("seconds of one evaluator call on matmul (profile off; check, compare, confirm):")
    for name, values in seconds.items():
        print(f"  {name:8} median {statistics.median(values):.2f} s  (n={len(values)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--budget", type=float, default=0.5)
    parser.add_argument("--evaluator", action="store_true")
    args = parser.parse_args()
    per_call(args.repeats, args.budget)
    if args.evaluator:
        evaluator_calls(max(1, args.repeats // 2))


if __name__ == "__main__":
    main()
