"""The calibration of two builds of the harness, measured alternately in one run.

Each build is a Python interpreter with aiopt-harness installed (e.g. a venv of the
previous commit and one of this checkout). Compares alternate between the builds, so a
slow period of the machine hits both alike. Per build it prints what
bench/calibration.py prints: A/A coverage of 1.0, median half-width, median rounds, the
5%-slower variant ranked right with 1.0 excluded, and seconds per compare.

Usage: python bench/builds_side_by_side.py OLD_PYTHON NEW_PYTHON [--runs 20] [--budget 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TASK = ROOT / "programs" / "matmul"
INITIAL = TASK / "initial.cpp"
SLOWER = ROOT / "bench" / "variants" / "matmul_5pct_slower.cpp"
SNIPPET = """
import json, sys, time
from aiopt_harness import compare
started = time.monotonic()
r = compare(sys.argv[1], sys.argv[2], task=sys.argv[3], budget=float(sys.argv[4]))
print(json.dumps({"status": str(r.status), "speedup": r.speedup, "low": r.ci_low,
                  "high": r.ci_high, "rounds": r.rounds,
                  "seconds": time.monotonic() - started}))
"""


def one_compare(python: str, baseline: Path, candidate: Path, budget: float) -> dict[str, float]:
    done = subprocess.run(
        [python, "-c", SNIPPET, str(baseline), str(candidate), str(TASK), str(budget)],
        capture_output=True,
        text=True,
        check=True,
        cwd="/",
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("builds", nargs=2, metavar="PYTHON")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--budget", type=float, default=3.0)
    args = parser.parse_args()
    aa: dict[str, list[dict[str, float]]] = {b: [] for b in args.builds}
    five: dict[str, list[bool]] = {b: [] for b in args.builds}
    for run in range(args.runs):
        for build in args.builds if run % 2 == 0 else reversed(args.builds):
            aa[build].append(one_compare(build, INITIAL, INITIAL, args.budget))
            slower_is_candidate = run % 2 == 0
            pair = (INITIAL, SLOWER) if slower_is_candidate else (SLOWER, INITIAL)
            r = one_compare(build, *pair, args.budget)
            five[build].append(r["high"] < 1.0 if slower_is_candidate else r["low"] > 1.0)
        print(f"  run {run + 1}/{args.runs} done", flush=True)
    print()
    print(
        f"{'build':<40} {'A/A covers 1.0':>15} {'half-width':>11} {'rounds':>7} "
        f"{'5% right':>9} {'s/compare':>10}"
    )
    for build in args.builds:
        results = aa[build]
        covered = sum(r["low"] <= 1.0 <= r["high"] for r in results)
        widths = [max(r["speedup"] / r["low"], r["high"] / r["speedup"]) - 1 for r in results]
        print(
            f"{build:<40} {covered:>9}/{len(results):<5} {statistics.median(widths):>10.2%} "
            f"{statistics.median(r['rounds'] for r in results):>7g} "
            f"{sum(five[build]):>5}/{len(five[build]):<3} "
            f"{statistics.median(r['seconds'] for r in results):>10.2f}"
        )
    print(f"finished at {time.strftime('%H:%M:%S')}")


if __name__ == "__main__":
    main()
