"""How much a task's initial program depends on its code alignment: the figure behind
``compare``'s stratified pads (docs/statistics.md, "The measurement protocol").

Each session loads COPIES copies of the program behind layout pads spread evenly over the
4 alignment strata (the pad's 16-byte step mod 64 bytes) and times them interleaved, so
every stratum is measured side by side in one run. Per copy: the median wall time of its
calls. Per stratum: the median over its copies. Printed: each stratum's figure relative to
the fastest stratum, and the spread of copies within a stratum.

Usage: python bench/alignment.py [--tasks matmul chain] [--sessions 4] [--budget 2]
"""

from __future__ import annotations

import argparse
import statistics
from collections import defaultdict
from pathlib import Path

from aiopt_harness.measurement.harness import _plan, _session
from aiopt_harness.measurement.options import run_settings
from aiopt_harness.measurement.session import ALIGNMENT_STRATA, SessionResult, alignment_stratum
from aiopt_harness.tasks.task import load_task

BENCH = Path(__file__).resolve().parent
TASK_DIRS = {"chain": BENCH / "comparisons" / "chain"}
COPIES = 8


def _per_copy_medians(result: SessionResult) -> dict[int, float]:
    times: dict[int, list[int]] = defaultdict(list)
    for call in result.calls:
        times[call.copy].append(call.wall_ns)
    return {copy: statistics.median(values) for copy, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", default=["matmul", "chain"])
    parser.add_argument("--sessions", type=int, default=4)
    parser.add_argument("--budget", type=float, default=2.0, help="timed seconds per session")
    args = parser.parse_args()
    settings = run_settings({"copies": COPIES})
    for name in args.tasks:
        task = load_task(TASK_DIRS.get(name, name))
        by_stratum: dict[int, list[float]] = defaultdict(list)
        for _ in range(args.sessions):
            outcome = _session([task.initial], task, settings, _plan(settings, args.budget, COPIES))
            result = outcome[0]
            if not isinstance(result, SessionResult):
                raise SystemExit(f"{name}: {result.status.value}: {result.message}")
            for copy, median in _per_copy_medians(result).items():
                by_stratum[alignment_stratum(result.layout_pads[0][copy])].append(median)
        figures = {s: statistics.median(v) for s, v in by_stratum.items()}
        fastest = min(figures.values())
        print(f"{name}: {args.sessions} sessions x {COPIES} copies, per-copy median call time")
        print("  stratum  copies  median ms  vs fastest  copies' range vs fastest")
        for stratum in range(ALIGNMENT_STRATA):
            values = by_stratum.get(stratum, [])
            if not values:
                print(f"  {stratum:7d}  {0:6d}  unavailable: no copy drew this stratum")
                continue
            print(
                f"  {stratum:7d}  {len(values):6d}  {figures[stratum] / 1e6:9.3f}"
                f"  {figures[stratum] / fastest:9.3f}x"
                f"  {min(values) / fastest:.3f}-{max(values) / fastest:.3f}x"
            )


if __name__ == "__main__":
    main()
