"""The built-in tasks: every initial program passes its own check, every known-better
variant passes it too, every deliberately broken variant fails it. (Speedups are timing:
bench/task_suite.py measures them.)"""

from __future__ import annotations

import pytest

from aiopt_harness import Status, load_task, measure
from aiopt_harness.tasks.task import builtin_tasks
from tests.conftest import VARIANTS

TASKS = ["matmul", "json_parse", "btree", "lz_compress", "gpt_mini", "cache_policy", "particles"]


def test_every_task_is_built_in_and_found_by_name() -> None:
    assert sorted(builtin_tasks()) == sorted(TASKS)
    for name in TASKS:
        task = load_task(name)
        assert task.name == name
        lines = task.initial.read_text().splitlines()
        assert 50 <= len(lines) <= 300, (name, len(lines))
        assert "// EVOLVE-BLOCK-START" in lines and "// EVOLVE-BLOCK-END" in lines
        assert (task.directory / "NOTES.md").is_file()


@pytest.mark.parametrize("name", TASKS)
def test_initial_and_better_pass_broken_fails(name: str) -> None:
    for source, expected in (
        (load_task(name).initial, Status.OK),
        (VARIANTS / name / "better.cpp", Status.OK),
        (VARIANTS / name / "broken.cpp", Status.WRONG_OUTPUT),
    ):
        result = measure(source, task=name, budget=0.05, counters=False)
        assert result.status is expected, f"{source}: {result.message}"


def test_cache_policy_reports_its_metric() -> None:
    initial = measure(load_task("cache_policy").initial, task="cache_policy", budget=0.05)
    better = measure(VARIANTS / "cache_policy" / "better.cpp", task="cache_policy", budget=0.05)
    assert initial.metric is not None and better.metric is not None
    assert initial.metric.name == "hit_rate" and initial.metric.direction == "maximize"
    assert better.metric.value > initial.metric.value
    assert initial.to_dict()["objective"] == "output_metric"
