"""The task suite side by side: for every built-in task, the initial program's time per
run, and `compare(initial, known-better variant)` (speedup with its 95% interval; the
metric for output-metric tasks). Prints the README's task table figures.

Usage: python bench/task_suite.py [--budget 3]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from aiopt_harness import compare, load_task
from aiopt_harness.tasks.task import builtin_tasks

VARIANTS = Path(__file__).resolve().parent.parent / "tests" / "programs"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=3.0)
    args = parser.parse_args()
    print(f"{'task':<14}{'initial median':>16}  {'better: speedup [95% interval]':<36} metric")
    for name in builtin_tasks():
        task = load_task(name)
        result = compare(
            task.initial,
            VARIANTS / name / "better.cpp",
            task=task,
            budget=args.budget,
            counters=False,
        )
        if not result.ok or result.baseline_time_ns is None:
            print(f"{name:<14} {result.status.value}: {result.message}")
            continue
        interval = f"{result.speedup:.2f}x [{result.ci_low:.2f}, {result.ci_high:.2f}]"
        metric = ""
        if result.baseline_metric and result.candidate_metric:
            metric = (
                f"{result.candidate_metric.name} {result.baseline_metric.value:.4f} -> "
                f"{result.candidate_metric.value:.4f}"
            )
        print(
            f"{name:<14}{result.baseline_time_ns.median / 1e6:>13.2f} ms  {interval:<36} {metric}",
            flush=True,
        )


if __name__ == "__main__":
    main()
