"""Off-CPU figures: the native measurement, perf sched (recorded and live), bperf reports."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from aiopt_harness.profilers import offcpu
from aiopt_harness.profilers.context import ProfileContext
from aiopt_harness.profilers.errors import ProfilerOutputError
from aiopt_harness.profilers.offcpu import (
    BperfReportError,
    load_bperf_report,
    parse_bperf_report,
)
from aiopt_harness.profilers.shared import short_symbol
from tests.conftest import DATA
from tests.profilers.contexts import profile_context

PROFILES = DATA / "profiles"
NATIVE = {
    "calls": 100,
    "wall_ns": 200_000_000,
    "cpu_ns": 150_000_000,
    "voluntary_switches": 50,
    "involuntary_switches": 10,
    "runqueue_wait_ns": 20_000_000,
    "run_ns": 150_000_000,
    "timeslices": 160,
}


def _context(tmp_path: Path, measurement: dict[str, Any], *, build: bool = False) -> ProfileContext:
    return profile_context(
        "matmul", tmp_path, budget=2.0, timeout=30.0, measurement=measurement, build=build
    )


def test_native_figures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    section = offcpu.run(_context(tmp_path, {"offcpu": NATIVE}))
    assert section.available
    figures = section.figures
    assert figures["offcpu_share"] == 0.25
    assert figures["wall_us_per_call"] == 2000.0
    assert figures["runqueue_wait_us_per_call"] == 200.0
    assert figures["runqueue_wait_share"] == 0.1
    assert figures["voluntary_switches_per_call"] == 0.5
    assert figures["involuntary_switches_per_call"] == 0.1
    assert figures["timeslices_per_call"] == 1.6
    assert figures["blocked_by_line"] == (
        "unavailable: needs root (the sched:sched_switch tracepoint)"
    )
    assert section.notes[0].startswith("the thread was off the CPU for 25.0%")
    assert any("run queue" in note for note in section.notes)
    assert section.hotspots == []


def test_native_figures_without_schedstat(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    native = {**NATIVE, "cpu_ns": 199_000_000, "runqueue_wait_ns": None, "run_ns": None}
    native["timeslices"] = None
    section = offcpu.run(_context(tmp_path, {"offcpu": native}))
    assert section.figures["runqueue_wait"] == "unavailable (no /proc/thread-self/schedstat)"
    assert "timeslices_per_call" not in section.figures
    assert "CPU-bound" in section.notes[0]


def test_no_offcpu_figures_is_unavailable(tmp_path: Path) -> None:
    section = offcpu.run(_context(tmp_path, {}))
    assert not section.available
    assert section.reason == "the measurement has no off-CPU figures"


def test_unprivileged_blocked_time_is_unavailable_with_its_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    section = offcpu.run(_context(tmp_path, {"offcpu": NATIVE}))
    assert section.available
    assert section.figures["blocked_by_line"] == (
        "unavailable: needs root (the sched:sched_switch tracepoint)"
    )
    assert section.hotspots == []
    runqueue = next(note for note in section.notes if "run queue" in note)
    assert "not known" in runqueue and "other processes, not" not in runqueue


def test_bperf_report_entries() -> None:
    entries = parse_bperf_report((PROFILES / "bperf_report.txt").read_text())
    assert len(entries) == 7
    first = entries[0]
    assert (first.share, first.command, first.dso, first.kind) == (
        0.5019,
        "test_io",
        "libpthread-2.30.so",
        "L",
    )
    assert first.symbol == "__GI___pthread_timedjoin_ex"
    assert [entry.kind for entry in entries] == ["L", "I", ".", ".", "k", "S", "B"]


def test_bperf_children_and_self_columns_use_self() -> None:
    [entry] = parse_bperf_report("    80.00%    12.50%  app  app  [.] main\n")
    assert entry.share == 0.125


def test_bperf_report_section() -> None:
    section = load_bperf_report(PROFILES / "bperf_report.txt")
    assert section.available
    assert section.figures["share_lock"] == 0.5019
    assert section.figures["share_io"] == 0.2031
    assert section.figures["share_on_cpu"] == 0.2454
    assert section.figures["share_off_cpu"] == 0.7546
    assert section.notes[0] == "on-CPU 24.5% of samples, blocked 75.5%"
    assert section.notes[1].startswith("lock wait 50.2%: __GI___pthread_timedjoin_ex")
    user = next(note for note in section.notes if note.startswith("user"))
    assert "Encoder::compressNext (test_io, 12.0%)" in user
    everything = " ".join(section.notes) + " ".join(map(str, section.figures.values()))
    assert re.search(r"[A-Za-z0-9]{32,}", everything) is None


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("# header\n    50.19%  test_io  libpthread-2.30.so\n", 2),  # truncated entry
        ("    50.19%  test_io  lib.so  [Q] weird\n", 1),  # unknown marker
        ("    150.00%  test_io  lib.so  [.] main\n", 1),
        ("    50.19%  test_io  lib.so  [L]\n", 1),  # no symbol
    ],
)
def test_malformed_bperf_entries_raise(text: str, line: int) -> None:
    with pytest.raises(BperfReportError) as caught:
        parse_bperf_report(text)
    assert caught.value.line == line
    assert f"line {line}:" in str(caught.value)
    assert isinstance(caught.value, ProfilerOutputError)


def test_bperf_report_without_entries(tmp_path: Path) -> None:
    with pytest.raises(BperfReportError, match="no entries"):
        parse_bperf_report("# only a header\n\n")
    path = tmp_path / "empty.txt"
    path.write_text("# nothing\n")
    section = load_bperf_report(path)
    assert not section.available
    assert "no entries" in section.reason
    assert not load_bperf_report(tmp_path / "missing.txt").available


def test_symbols_are_shortened() -> None:
    assert short_symbol("std::vector<int, std::allocator<int> >::push_back(int const&)") == (
        "std::vector<...>::push_back"
    )
    assert short_symbol("(anonymous namespace)::Foo::operator()(int) const") == (
        "{anon}::Foo::operator()"
    )
    assert short_symbol("a" * 40) == "a" * 20 + "~" + "a" * 6
