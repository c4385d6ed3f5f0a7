"""profile() end to end on the tiny task with the profilers that need no external tool."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiopt_harness import Status, generate_mutation_context, profile
from aiopt_harness.profilers import profiling as profiling_module
from aiopt_harness.profilers.section import ProfileSection
from tests.conftest import hostile


def test_counters_and_offcpu_sections(tiny_task: Path) -> None:
    result = profile(tiny_task / "initial.cpp", task=tiny_task, profilers=["counters"])
    assert result.status is Status.OK
    assert result.sections["counters"].available
    offcpu = result.measurement["offcpu"]
    # (the thread-CPU clock reads enclose the wall clock reads: CPU may exceed wall slightly)
    assert offcpu["calls"] > 0 and offcpu["wall_ns"] > 0 and offcpu["cpu_ns"] > 0
    assert offcpu["voluntary_switches"] >= 0
    text = generate_mutation_context(result).text
    assert "Per aiopt_run call" in text


def test_a_failing_candidate_is_not_profiled(tiny_task: Path) -> None:
    result = profile(hostile("segfault"), task=tiny_task, profilers=["counters"])
    assert result.status is Status.CRASH
    assert result.sections == {}


def test_unknown_profiler_is_rejected(tiny_task: Path) -> None:
    with pytest.raises(ValueError, match="unknown profilers"):
        profile(tiny_task / "initial.cpp", task=tiny_task, profilers=["magic"])


def test_a_profiler_bug_becomes_an_unavailable_section(
    tiny_task: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_: object) -> ProfileSection:
        raise RuntimeError("boom")

    monkeypatch.setattr(profiling_module, "_runner", lambda name: broken)
    result = profile(tiny_task / "initial.cpp", task=tiny_task, profilers=["counters"])
    section = result.sections["counters"]
    assert not section.available
    assert section.reason == "internal error: RuntimeError: boom"
