"""The perf_ninja suite: every lab has its files and attribution; its initial program and
the expert's golden pass the task's check (a few calls each; speedups are timing:
bench/external_suite.py measures them)."""

from __future__ import annotations

import re

import pytest

from aiopt_harness import Status, load_task, measure
from aiopt_harness.tasks.catalog import task_suites
from tests.conftest import VARIANTS

LABS = [name for name, _ in task_suites()["perf_ninja"].tasks]
CATEGORIES = ("bad_speculation", "core_bound", "memory_bound", "misc")


def test_every_lab_has_its_files_notes_and_attribution() -> None:
    suite = task_suites()["perf_ninja"]
    notice = (suite.directory / "NOTICE").read_text()
    assert "CC BY 4.0" in notice and "Denis Bakhvalov" in notice
    assert re.search(r"commit [0-9a-f]{40}", notice)
    seen = set()
    for name, directory in suite.tasks:
        lab = directory.name
        assert lab in notice, lab
        initial = (directory / "initial.cpp").read_text().splitlines()
        assert "// EVOLVE-BLOCK-START" in initial and "// EVOLVE-BLOCK-END" in initial
        notes = (directory / "NOTES.md").read_text()
        category = re.search(r"Category: (\w+)\.", notes)
        assert category and category.group(1) in CATEGORIES, name
        seen.add(category.group(1))
        expert = next(line for line in notes.splitlines() if line.startswith("Expert lines:"))
        lines = [int(n) for n in re.findall(r"initial\.cpp:(\d+)", expert)]
        start, end = initial.index("// EVOLVE-BLOCK-START"), initial.index("// EVOLVE-BLOCK-END")
        assert lines and all(start < n - 1 < end for n in lines), name  # inside the block
        assert "published minimum" in notes.lower() and "WinZen3" in notes
        assert (VARIANTS / "perf_ninja" / lab / "golden.cpp").is_file(), name
    assert len(suite.tasks) >= 12 and seen == set(CATEGORIES)


@pytest.mark.parametrize("name", LABS)
def test_initial_and_golden_pass_the_check(name: str) -> None:
    """A few checked calls of each (compiling them is most of the cost)."""
    task = load_task(name)
    golden = VARIANTS / "perf_ninja" / task.directory.name / "golden.cpp"
    for source in (task.initial, golden):
        result = measure(source, task=task, budget=0.02, counters=False, copies=1)
        assert result.status is Status.OK, f"{source}: {result.message}"
