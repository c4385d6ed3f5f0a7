"""Issue 4's acceptance figures: for every built-in task, `profile()` with the default
profilers, the top-ranked line of the simulated and sampling sections, whether it falls
inside a range on the `Bottleneck lines:` line of the task's NOTES.md (`initial.cpp:A-B`
or `initial.cpp:N`, comma-separated), and the wall time of the whole profile.

Usage: python bench/profile_suite.py [--tasks matmul,btree]
"""

from __future__ import annotations

import argparse
import re
import time

from aiopt_harness import load_task, profile
from aiopt_harness.tasks.task import builtin_tasks

RANGE = re.compile(r"initial\.cpp:(\d+)(?:-(\d+))?")


def notes_ranges(text: str) -> list[tuple[int, int]]:
    line = next(line for line in text.splitlines() if line.startswith("Bottleneck lines:"))
    return [(int(a), int(b or a)) for a, b in RANGE.findall(line.split("(")[0])]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", default=",".join(builtin_tasks()))
    args = parser.parse_args()
    print(f"{'task':<14}{'simulated top':<22}{'sampling top':<22}{'seconds':>8}")
    for name in args.tasks.split(","):
        task = load_task(name)
        ranges = notes_ranges((task.directory / "NOTES.md").read_text())
        started = time.monotonic()
        result = profile(task.initial, task=task)
        seconds = time.monotonic() - started
        cells = []
        for section_name in ("simulated", "sampling"):
            section = result.sections.get(section_name)
            if section is None or not section.available or not section.hotspots:
                cells.append("unavailable")
                continue
            line = section.hotspots[0].line
            inside = any(low <= line <= high for low, high in ranges)
            cells.append(f"line {line} ({'inside' if inside else 'OUTSIDE'})")
        print(f"{name:<14}{cells[0]:<22}{cells[1]:<22}{seconds:8.1f}", flush=True)


if __name__ == "__main__":
    main()
