"""The ProfileContext the profiler tests run with: a task's initial program, built for
profiling (or not, for profilers that run no tool)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiopt_harness.profilers.context import ProfileContext
from aiopt_harness.profilers.driver import profiling_build, write_driver_inputs
from aiopt_harness.tasks.task import load_task


def profile_context(
    task_name: str | Path,
    work_dir: Path,
    *,
    budget: float,
    timeout: float,
    measurement: dict[str, Any] | None = None,
    build: bool = True,
) -> ProfileContext:
    task = load_task(task_name)
    shared_object = task.initial
    if build:
        outcome = profiling_build(task.initial, task)
        assert outcome.shared_object is not None, outcome.diagnostics
        shared_object = outcome.shared_object
    return ProfileContext(
        task=task,
        source=task.initial,
        source_lines=tuple(task.initial.read_text().splitlines()),
        shared_object=shared_object,
        inputs=write_driver_inputs(task, work_dir / "inputs"),
        work_dir=work_dir,
        budget=budget,
        timeout=timeout,
        measurement=measurement or {},
    )
