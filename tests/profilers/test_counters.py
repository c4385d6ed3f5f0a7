from pathlib import Path

from aiopt_harness.profilers.context import ProfileContext
from aiopt_harness.profilers.counters import run
from tests.profilers.contexts import profile_context


def context(measurement: dict[str, object], tiny_task: Path, work_dir: Path) -> ProfileContext:
    return profile_context(
        tiny_task, work_dir, budget=1.0, timeout=1.0, measurement=measurement, build=False
    )


def test_derived_figures_only_from_existing_events(tiny_task: Path, tmp_path: Path) -> None:
    measurement = {
        "time_ns": {"n": 10, "median": 2e6},
        "counters": {
            "cycles": {"available": True, "value": 4e6},
            "instructions": {"available": True, "value": 6e6},
            "branches": {"available": False, "reason": "ENOENT: no hardware PMU"},
            "branch-misses": {"available": True, "value": 1e3},
            "task-clock": {"available": True, "value": 1.9e6},
        },
    }
    section = run(context(measurement, tiny_task, tmp_path))
    assert section.available
    assert section.figures["instructions per cycle"] == 1.5
    assert "branch mispredicts per 100 branches" not in section.figures  # no branches event
    assert any("unavailable: branches: ENOENT" in note for note in section.notes)
    assert any("task-clock is 95%" in note for note in section.notes)


def test_without_measurement_it_is_unavailable(tiny_task: Path, tmp_path: Path) -> None:
    section = run(context({}, tiny_task, tmp_path))
    assert not section.available and section.reason
