"""``aiopt baseline [TASK...]``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..common.files import write_atomically
from ..tasks.task import TaskError, builtin_tasks


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "baseline", help="this machine's A/A noise per task: the significance threshold"
    )
    parser.add_argument("tasks", nargs="*", help="task names or directories (default: all)")
    parser.add_argument(
        "--compares", type=int, default=20, help="A/A compares per task (default 20)"
    )
    parser.add_argument(
        "--budget", type=float, default=1.0, help="timing seconds per compare (default 1)"
    )
    parser.add_argument(
        "--output", type=Path, default=None, help="baselines file (default: in the cache)"
    )
    parser.add_argument(
        "--benchmark-json",
        type=Path,
        default=None,
        help="also write the results as pytest-benchmark JSON (pytest-benchmark compare)",
    )


def main(args: argparse.Namespace) -> int:
    from .baseline import measure_baseline
    from .store import pytest_benchmark_json, save_baselines

    if args.compares < 2 or args.budget <= 0:
        print("aiopt: --compares is at least 2 and --budget positive", file=sys.stderr)
        return 2
    names = args.tasks or list(builtin_tasks())
    results = []
    try:
        for name in names:
            print(f"aiopt: {name}: {args.compares} A/A compares of {args.budget:g} s", flush=True)
            results.append(
                measure_baseline(
                    name,
                    args.compares,
                    args.budget,
                    say=lambda line: print(f"aiopt:   {line}", flush=True),
                )
            )
    except TaskError as error:
        print(f"aiopt: {error}", file=sys.stderr)
        return 2
    path = save_baselines(results, args.output)
    print(f"{'task':<14}{'compares':>9}{'threshold':>11}{'A/A misses':>12}{'half-width':>12}")
    for result in results:
        summary = result.summary()
        threshold = summary["threshold_speedup"]
        shown = f"{threshold:.4f}x" if threshold else "n/a"
        misses = summary["false_positive_rate"]
        width = summary["median_half_width"]
        print(
            f"{result.task:<14}{summary['compares']:>9}{shown:>11}"
            f"{(f'{misses:.0%}' if misses is not None else 'n/a'):>12}"
            f"{(f'{width:.2%}' if width is not None else 'n/a'):>12}"
            + (f"  ({len(result.failures)} failed)" if result.failures else "")
        )
    print(f"stored in {path}")
    if args.benchmark_json:
        write_atomically(args.benchmark_json, json.dumps(pytest_benchmark_json(results), indent=2))
        print(f"pytest-benchmark JSON: {args.benchmark_json}")
    return 0 if all(r.threshold() is not None for r in results) else 1
