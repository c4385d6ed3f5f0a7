import fcntl
import os
from pathlib import Path

import pytest

from aiopt_harness.profilers import counters, fault_probe
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


def _with_faults(tiny_task: Path, tmp_path: Path) -> ProfileContext:
    measurement = {
        "time_ns": {"n": 10, "median": 2e6},
        "counters": {
            "task-clock": {"available": True, "value": 1.9e6},
            "page-faults": {"available": True, "value": 0.0},
        },
    }
    return context(measurement, tiny_task, tmp_path)


def test_page_faults_lost_by_the_kernel_are_unavailable_not_zero(
    tiny_task: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(counters, "grouped_page_faults_lost", lambda: True)
    section = run(_with_faults(tiny_task, tmp_path))
    assert section.figures["page-faults per call"] == counters.FAULTS_LOST
    monkeypatch.setattr(counters, "grouped_page_faults_lost", lambda: False)
    assert run(_with_faults(tiny_task, tmp_path)).figures["page-faults per call"] == 0.0


def test_a_group_led_by_page_faults_keeps_its_figure(
    tiny_task: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The default group is led by page-faults (it loses nothing): its figure stands even
    on a kernel that loses faults in a task-clock-led group."""
    monkeypatch.setattr(counters, "grouped_page_faults_lost", lambda: True)
    measurement = {
        "time_ns": {"n": 10, "median": 2e6},
        "counters": {
            "page-faults": {"available": True, "value": 2048.0},
            "task-clock": {"available": True, "value": 1.9e6},
        },
    }
    section = run(context(measurement, tiny_task, tmp_path))
    assert section.figures["page-faults per call"] == 2048.0


def test_the_default_group_counts_every_fresh_page(tmp_path: Path) -> None:
    """Measured with the real worker and the default groups: a candidate that touches
    2048 fresh pages per call reads 2048 in every call (led by task-clock, calls read 0
    on kernel 6.18)."""
    from aiopt_harness import measure
    from tests.conftest import DATA, ROOT

    result = measure(DATA / "planted" / "fresh_pages.cpp", task=ROOT / "programs" / "matmul",
                     budget=0.5)  # fmt: skip
    assert result.ok, result.message
    faults = result.samples["counter:page-faults"]
    assert len(faults) > 0 and faults.min() >= 2000, faults


def test_the_fault_probes_reference_counts_every_fresh_page() -> None:
    """The probe's reference, a group led by page-faults, sees every fresh page (whether
    the task-clock-led group loses some depends on the kernel: it does on 6.18 here)."""
    leader = fault_probe._open(fault_probe.SW_PAGE_FAULTS, -1)
    if leader < 0:
        pytest.skip("perf_event_open is not available")
    try:
        fcntl.ioctl(leader, fault_probe.IOC_ENABLE, fault_probe.IOC_FLAG_GROUP)
        fault_probe._touch_fresh_pages()
        fcntl.ioctl(leader, fault_probe.IOC_DISABLE, fault_probe.IOC_FLAG_GROUP)
        assert fault_probe._faults(leader, 0, 1) >= fault_probe.PAGES
    finally:
        os.close(leader)
