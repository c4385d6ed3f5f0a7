"""Issue 4's and issue 11's figures: for every built-in task, the top-ranked line of the
simulated and sampling sections, whether it falls inside a range on the `Bottleneck
lines:` line of the task's NOTES.md (`initial.cpp:A-B` or `initial.cpp:N`,
comma-separated), and the seconds, for two profiles side by side:

- **full**: `profile()` with its defaults (10 s of perf samples, its own measurement);
- **evaluation**: what the evaluator runs with the profile on: the comparison's candidate
  measurement (no second timing), 0.5 s of perf samples, cachegrind beside it and skipped
  when it would take over 2.5x that budget (at least 3 s), profilers side by side.

With ``--before DIR`` (a checkout of an older commit, e.g. ``git worktree add DIR e2987e4``,
with the built ``_core`` linked into ``DIR/src/aiopt_harness``), each task is profiled by
that code in a subprocess and then by this one, alternating in one run.

Usage: python bench/profile_suite.py [--tasks matmul,btree] [--before DIR]
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path


def _use_checkout(directory: str) -> None:
    """Imports ``aiopt_harness`` from ``directory``/src instead of this installation."""
    sys.meta_path[:] = [f for f in sys.meta_path if "Redirecting" not in type(f).__name__]
    sys.path.insert(0, str(Path(directory) / "src"))


if "--as-checkout" in sys.argv:
    _use_checkout(sys.argv[sys.argv.index("--as-checkout") + 1])

from aiopt_harness import compare, load_task, profile  # noqa: E402 (after _use_checkout)
from aiopt_harness.evolve.evaluator import EvaluatorSettings  # noqa: E402
from aiopt_harness.profilers.profiling import Profile  # noqa: E402
from aiopt_harness.tasks.task import Task, builtin_tasks  # noqa: E402

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


Row = tuple[str, list[str], float]  # profile, (simulated top, sampling top), seconds


def task_rows(name: str) -> list[Row]:
    """The full and the evaluation profile of one task's initial program."""
    task = load_task(name)
    ranges = notes_ranges((task.directory / "NOTES.md").read_text())
    started = time.monotonic()
    full = profile(task.initial, task=task)
    full_seconds = time.monotonic() - started
    evaluation, seconds = evaluation_profile(task)
    return [
        ("full", top_cells(full, ranges), full_seconds),
        ("evaluation", top_cells(evaluation, ranges), seconds),
    ]


def checkout_rows(directory: str, name: str) -> list[Row]:
    """``task_rows`` computed by the code of another checkout, in a subprocess."""
    command = [sys.executable, __file__, "--as-checkout", directory, "--tasks", name, "--json"]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    rows: list[Row] = [tuple(row) for row in json.loads(done.stdout.splitlines()[-1])]  # type: ignore[misc]
    return rows


def print_rows(name: str, version: str, rows: list[Row]) -> None:
    for label, cells, seconds in rows:
        print(f"{name:<14}{version:<8}{label:<12}{cells[0]:<22}{cells[1]:<22}{seconds:8.1f}",
              flush=True)  # fmt: skip
    same = [a == b for a, b in zip(rows[0][1], rows[1][1], strict=True) if "line" in b]
    print(f"{'':<22}{'same top':<12}{'yes' if all(same) else 'NO'} "
          f"({sum(same)} of {len(same)} sections the evaluation profile ran)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", default=",".join(builtin_tasks()))
    parser.add_argument("--before", help="a checkout of the code to compare with")
    parser.add_argument("--as-checkout", help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.json:
        print(json.dumps(task_rows(args.tasks)))
        return
    print(f"{'task':<14}{'code':<8}{'profile':<12}{'simulated top':<22}{'sampling top':<22}"
          f"{'seconds':>8}")  # fmt: skip
    for name in args.tasks.split(","):
        if args.before:
            print_rows(name, "before", checkout_rows(args.before, name))
        print_rows(name, "after" if args.before else "", task_rows(name))


if __name__ == "__main__":
    main()
