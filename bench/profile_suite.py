"""Issue 4's and issue 11's figures: for every built-in task, the top-ranked line of the
simulated and sampling sections, whether it falls inside a range on the `Bottleneck
lines:` line of the task's NOTES.md (`initial.cpp:A-B` or `initial.cpp:N`,
comma-separated), and the seconds, for two profiles side by side:

- **full**: `profile()` with its defaults (10 s of perf samples, its own measurement);
- **evaluation**: what the evaluator runs with the profile on: the comparison's candidate
  measurement (no second timing), 0.5 s of perf samples, cachegrind beside it and skipped
  when it would take over 2.5x that budget (at least 3 s), profilers side by side.

Usage: python bench/profile_suite.py [--tasks matmul,btree]
"""

from __future__ import annotations

import argparse
import re
import time

from aiopt_harness import compare, load_task, profile
from aiopt_harness.evolve.evaluator import EvaluatorSettings
from aiopt_harness.profilers.profiling import Profile
from aiopt_harness.tasks.task import Task, builtin_tasks

RANGE = re.compile(r"initial\.cpp:(\d+)(?:-(\d+))?")


def notes_ranges(text: str) -> list[tuple[int, int]]:
    line = next(line for line in text.splitlines() if line.startswith("Bottleneck lines:"))
    return [(int(a), int(b or a)) for a, b in RANGE.findall(line.split("(")[0])]


def top_cells(result: Profile, ranges: list[tuple[int, int]]) -> list[str]:
    cells = []
    for section_name in ("simulated", "sampling"):
        section = result.sections.get(section_name)
        if section is None or not section.available or not section.hotspots:
            reason = section.reason if section is not None else "not run"
            cells.append("skipped" if reason.startswith("skipped") else "unavailable")
            continue
        line = section.hotspots[0].line
        inside = any(low <= line <= high for low, high in ranges)
        cells.append(f"line {line} ({'inside' if inside else 'OUTSIDE'})")
    return cells


def evaluation_profile(task: Task) -> tuple[Profile, float]:
    """The evaluator's profile of the initial program (its comparison not counted)."""
    settings = EvaluatorSettings(task=task.name)
    comparison = compare(task.initial, task.initial, task=task, budget=settings.budget)
    started = time.monotonic()
    result = profile(
        task.initial,
        task=task,
        profilers=settings.profilers,
        budget=settings.profile_budget,
        measurement=comparison.candidate_measurement(),
        concurrent=True,
    )
    return result, time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", default=",".join(builtin_tasks()))
    args = parser.parse_args()
    print(f"{'task':<14}{'profile':<12}{'simulated top':<22}{'sampling top':<22}{'seconds':>8}")
    for name in args.tasks.split(","):
        task = load_task(name)
        ranges = notes_ranges((task.directory / "NOTES.md").read_text())
        started = time.monotonic()
        full = profile(task.initial, task=task)
        rows = [
            ("full", full, time.monotonic() - started),
            ("evaluation", *evaluation_profile(task)),
        ]
        tops = []
        for label, result, seconds in rows:
            cells = top_cells(result, ranges)
            tops.append(cells)
            print(f"{name:<14}{label:<12}{cells[0]:<22}{cells[1]:<22}{seconds:8.1f}", flush=True)
        same = [a == b for a, b in zip(tops[0], tops[1], strict=True) if "line" in b]
        print(f"{'':<14}{'same top':<12}{'yes' if all(same) else 'NO'} "
              f"({sum(same)} of {len(same)} sections the evaluation profile ran)")  # fmt: skip


if __name__ == "__main__":
    main()
