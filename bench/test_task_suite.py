"""Every built-in task's initial program measured through the harness, one benchmark per
task: pytest-benchmark's rounds are the harness's timed calls (see conftest.py).

  pytest bench/test_task_suite.py --benchmark-json=tasks.json
  pytest bench/test_task_suite.py --benchmark-autosave   # then: pytest-benchmark compare
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from aiopt_harness import measure
from aiopt_harness.noise.store import task_thresholds
from replay_clock import ReplayClock

ROOT = Path(__file__).resolve().parent.parent
TASKS = ["matmul", "json_parse", "btree", "lz_compress", "gpt_mini", "cache_policy", "particles"]
BUDGET = float(os.environ.get("AIOPT_BENCH_BUDGET", "1.0"))
CLOCK = ReplayClock()


def _threshold(task: str) -> float | str | None:
    """The task's ``aiopt baseline`` threshold speedup on this machine, or why none."""
    shown = task_thresholds([task])["tasks"][task]
    return shown if isinstance(shown, str) else shown.get("threshold_speedup")


@pytest.mark.benchmark(group="task suite: initial programs", timer=CLOCK)
@pytest.mark.parametrize("task", TASKS)
def test_initial_program(benchmark: Any, task: str) -> None:
    directory = ROOT / "programs" / task
    result = measure(directory / "initial.cpp", task=directory, budget=BUDGET)
    assert result.ok, f"{result.status.value}: {result.message}"
    assert result.samples is not None and result.cpu_time_ns is not None
    rounds = CLOCK.load([ns / 1e9 for ns in result.samples["wall_ns"].tolist()])
    benchmark.extra_info.update(
        {
            "harness": result.message,
            "measurement_cpu": result.cpu,
            "cpu_time_median_ns": result.cpu_time_ns.median,
            "noise_threshold": _threshold(task),
        }
    )
    benchmark.pedantic(CLOCK.advance, rounds=rounds, iterations=1)
    assert benchmark.stats.stats.rounds == rounds
