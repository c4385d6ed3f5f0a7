"""The task suite, for one or more builds side by side: for every built-in task, the
initial program's median time per call and compare(initial, known-better variant): the
speedup with its 95% interval, or the metric for output-metric tasks. Compares alternate
between the builds (bench/builds.py), so the columns are measured in one run.

Usage: python bench/task_suite.py [--budget S] [--build PYTHON:ROOT ...]
"""

from __future__ import annotations

import argparse

from builds import Build

TASKS = ["matmul", "json_parse", "btree", "lz_compress", "gpt_mini", "cache_policy", "particles"]


def _cell(result: dict[str, object]) -> str:
    metric = result.get("metric")
    if isinstance(metric, list):
        return f"{metric[0]:.4f} -> {metric[1]:.4f}"
    median = result["baseline_median_ns"]
    assert isinstance(median, float | int)
    return (
        f"{median / 1e6:.2f} ms; {result['speedup']:.2f}x "
        f"[{result['low']:.2f}, {result['high']:.2f}]"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=None, help="default: compare's own")
    parser.add_argument("--build", action="append", default=[], metavar="PYTHON:ROOT")
    args = parser.parse_args()
    builds = Build.from_args(args.build)
    options = {"counters": False} | ({} if args.budget is None else {"budget": args.budget})
    print("task | " + " | ".join(f"{b.python} ({b.root})" for b in builds))
    print(" | ".join("---" for _ in range(len(builds) + 1)))
    for index, name in enumerate(TASKS):
        cells: dict[int, str] = {}
        order = list(enumerate(builds))
        for position, build in order if index % 2 == 0 else reversed(order):
            task = build.root / "programs" / name
            better = build.root / "tests" / "programs" / name / "better.cpp"
            try:
                cells[position] = _cell(
                    build.compare(task / "initial.cpp", better, task, **options)
                )
            except RuntimeError as error:
                cells[position] = f"failed: {error}"
        print(f"{name} | " + " | ".join(cells[i] for i in range(len(builds))), flush=True)


if __name__ == "__main__":
    main()
