"""Causal profiling: the Coz/BCOZ parser on recorded profiles, the curves, and one real run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from aiopt_harness.profilers import causal
from aiopt_harness.profilers.causal import (
    CozProfileError,
    causal_curves,
    load_bcoz_profile,
    parse_coz_profile,
    parse_selection,
    profile_section,
)
from aiopt_harness.profilers.context import ProfileContext
from aiopt_harness.profilers.errors import ProfilerOutputError
from tests.conftest import DATA, ROOT
from tests.profilers.contexts import profile_context

PROFILES = DATA / "profiles"
MATMUL_LINES = tuple((ROOT / "programs" / "matmul" / "initial.cpp").read_text().splitlines())


def _experiment(selected: str, speedup: float, duration: int, delta: int) -> str:
    return (
        f"experiment\tselected={selected}\tspeedup={speedup:.2f}\tduration={duration}\t"
        f"selected-samples=10\nthroughput-point\tname=aiopt_run\tdelta={delta}\n"
    )


def test_real_matmul_profile_parses() -> None:
    profile = parse_coz_profile((PROFILES / "coz_matmul.coz").read_text())
    assert profile.runs == 1
    assert len(profile.experiments) == 30
    assert profile.runtime_ns == 15401262392
    assert profile.progress_points == ["aiopt_run"]
    assert all(e.selection.is_candidate_line for e in profile.experiments)
    assert {e.selection.line for e in profile.experiments} == {21, 22}
    location = "/root/.cache/aiopt-harness/so/b7/build-bu3qrbl2/candidate.cpp:22"
    assert profile.samples[location] == 11389


def test_real_matmul_profile_points_at_the_inner_loop() -> None:
    profile = parse_coz_profile((PROFILES / "coz_matmul.coz").read_text())
    section = profile_section(profile, MATMUL_LINES, label="recorded")
    assert section.available
    assert section.hotspots
    assert {hotspot.line for hotspot in section.hotspots} <= {21, 22, 23}
    line22 = next(h for h in section.hotspots if h.line == 22)
    assert line22.source == "sum += a[i * n + k] * b[k * n + j];"
    assert line22.metrics["experiments"] == 18  # non-zero speedups behind the slope
    assert line22.metrics["baseline_experiments"] == 8  # all 0% experiments, pooled
    assert line22.metrics["program_speedup"] > 0.05
    assert any(note.startswith("making line 22 (`sum +=") for note in section.notes)
    assert section.figures["experiments"] == 30


def test_real_profile_keeps_library_lines_out_of_hotspots() -> None:
    profile = parse_coz_profile((PROFILES / "coz_lz_compress_trimmed.coz").read_text())
    section = profile_section(profile, (), label="recorded")
    assert any(not e.selection.is_candidate_line for e in profile.experiments)
    assert all(hotspot.line != 1124 for hotspot in section.hotspots)
    assert any("stl_vector.h:1124" in note for note in section.notes)
    # samples are cumulative within a run: only the last block counts
    assert profile.samples["/usr/include/c++/12/bits/stl_vector.h:1124"] == 14872


def test_curve_formula() -> None:
    text = (
        "startup\ttime=1\n"
        + _experiment("/b/candidate.cpp:5", 0.0, 1000, 100)
        + _experiment("/b/candidate.cpp:5", 0.0, 1000, 100)
        + _experiment("/b/candidate.cpp:5", 0.5, 500, 100)
        + _experiment("/b/candidate.cpp:5", 0.5, 600, 100)
        + _experiment("/b/candidate.cpp:5", 0.25, 750, 100)
    )
    [curve] = causal_curves(parse_coz_profile(text), "aiopt_run")
    assert curve.baseline_experiments == 2
    by_speedup = {point.line_speedup: point for point in curve.points}
    # period0 = 2000/200 = 10; at 50%: 1100/200 = 5.5 -> (10 - 5.5) / 10
    assert by_speedup[0.5].program_speedup == pytest.approx(0.45)
    assert by_speedup[0.5].experiments == 2
    assert by_speedup[0.5].quotable
    assert not by_speedup[0.25].quotable  # one experiment: not quoted on its own
    # slope through the origin weighted by experiments: (2*.5*.45 + .25*.25) / (2*.25 + .0625)
    assert curve.slope == pytest.approx((2 * 0.5 * 0.45 + 0.25 * 0.25) / 0.5625)
    assert curve.claimable


def test_baseline_pools_all_zero_speedup_experiments() -> None:
    text = (
        _experiment("/b/candidate.cpp:5", 0.0, 1000, 100)
        + _experiment("/b/candidate.cpp:6", 0.0, 1000, 100)
        + _experiment("/b/candidate.cpp:7", 0.5, 800, 100)
        + _experiment("/b/candidate.cpp:7", 0.5, 800, 100)
        + _experiment("/b/candidate.cpp:7", 0.5, 800, 100)
    )
    [curve] = causal_curves(parse_coz_profile(text), "aiopt_run")
    assert curve.selection.line == 7
    assert curve.baseline_experiments == 2
    assert curve.points[0].program_speedup == pytest.approx(0.2)


def test_too_few_experiments_are_not_claimed() -> None:
    text = (
        _experiment("/b/candidate.cpp:5", 0.0, 1000, 100)
        + _experiment("/b/candidate.cpp:5", 0.0, 1000, 100)
        + _experiment("/b/candidate.cpp:5", 0.4, 700, 100)
    )
    section = profile_section(parse_coz_profile(text), ("x",) * 10, label="t")
    assert section.hotspots == []
    assert section.notes == [
        "not claimed, fewer than 3 experiments at non-zero speedups: line 5 (1)"
    ]


def test_bcoz_selections() -> None:
    assert parse_selection("IO").scope == "IO"
    based = parse_selection("/b/candidate.cpp:42(IO,0.50%|)")
    assert (based.line, based.based, based.based_share) == (42, "IO", 0.5)
    assert parse_selection("OFF_CPU(LOCK,50%|)").based_share == 0.5
    with pytest.raises(CozProfileError):
        parse_selection("nonsense")


def test_bcoz_profile_reports_blocked_scopes() -> None:
    profile = parse_coz_profile((PROFILES / "bcoz_handwritten.coz").read_text())
    assert profile.latency_points == ["request"]
    io = [e for e in profile.experiments if e.selection.scope == "IO"]
    assert len(io) == 5
    assert io[2].delay_ns == 150000000
    section = load_bcoz_profile(PROFILES / "bcoz_handwritten.coz")
    assert section.available
    assert section.notes[0].startswith("making I/O waits 20% shorter makes the program 12% faster")
    assert "50% -> 30% faster (2 exp.)" in section.notes[0]
    assert any(note.startswith("making lock waits 20% shorter") for note in section.notes)
    assert [hotspot.line for hotspot in section.hotspots] == [42]
    assert section.notes[-1].endswith("line 57 (1)")


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("startup\ttime=1\nexperiment\tselected=/b/candidate.cpp:5\tspeedup=0.5\n", 2),
        (_experiment("/b/candidate.cpp:5", 0.5, 1, 1) + "throughput-point\tname=aiopt_run\tdel", 3),
        ("experiment\tselected=/b/candidate.cpp:5\tspeedup=fast\tduration=1\n", 1),
        ("experiment\tselected=/b/candidate.cpp:5\tspeedup=1.5\tduration=1\n", 1),
        ("experiment\tselected=somewhere\tspeedup=0.5\tduration=1\n", 1),
        ("throughput-point\tname=aiopt_run\tdelta=3\n", 1),
        (
            _experiment("/b/candidate.cpp:5", 0.5, 1, 1)
            + "experiment\tselected=IO\tspeedup=0\tduration=9",
            3,
        ),
        ("\x00\x01binary\x02garbage", 1),
        ("samples\tlocation=/b/candidate.cpp:5\tcount=many\n", 1),
    ],
)
def test_malformed_or_truncated_profiles_raise_clear_errors(text: str, line: int) -> None:
    with pytest.raises(CozProfileError) as caught:
        parse_coz_profile(text)
    assert caught.value.line == line
    assert f"profile line {line}:" in str(caught.value)
    assert isinstance(caught.value, ProfilerOutputError)
    assert isinstance(caught.value, ValueError)


def test_unknown_records_and_keys_are_tolerated() -> None:
    text = "future-record\tx=1\n" + _experiment("/b/candidate.cpp:5", 0.0, 1000, 10).replace(
        "selected-samples=10", "selected-samples=10\tnew-key=7"
    )
    assert len(parse_coz_profile(text).experiments) == 1


def test_load_bcoz_profile_reports_bad_files(tmp_path: Path) -> None:
    truncated = tmp_path / "cut.coz"
    truncated.write_text((PROFILES / "coz_matmul.coz").read_text()[:700])
    section = load_bcoz_profile(truncated)
    assert not section.available
    assert "profile line" in section.reason
    missing = load_bcoz_profile(tmp_path / "missing.coz")
    assert not missing.available
    assert "cannot read missing.coz" in missing.reason


def _matmul_context(tmp_path: Path, budget: float) -> ProfileContext:
    return profile_context("matmul", tmp_path, budget=budget, timeout=90.0)


def test_run_without_coz_is_unavailable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    context = _matmul_context(tmp_path, 1.0)
    monkeypatch.setattr(causal.shutil, "which", lambda name: None)
    section = causal.run(context)
    assert not section.available
    assert section.reason == "coz not found (Debian package coz-profiler)"


@pytest.mark.skipif(shutil.which("coz") is None, reason="coz not installed (coz-profiler)")
def test_real_coz_run_on_matmul(tmp_path: Path) -> None:
    section = causal.run(_matmul_context(tmp_path, 12.0))
    assert section.available, section.reason
    assert section.figures["experiments_on_candidate_lines"] > 0
    assert section.figures["progress_point_used"] == "aiopt_run"
    # the time is in multiply() (lines 17-27), mostly the inner k loop (21-22)
    assert all(17 <= hotspot.line <= 27 for hotspot in section.hotspots)
    assert section.hotspots[0].line in (21, 22)
