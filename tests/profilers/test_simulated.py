"""The simulated (cachegrind) profiler: its parser on recorded output, and the real tool."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from aiopt_harness.profilers import simulated
from aiopt_harness.profilers.context import ProfileContext
from aiopt_harness.profilers.errors import ProfilerOutputError
from aiopt_harness.profilers.simulated import (
    EVENTS,
    LineCost,
    attribute,
    inline_owners,
    parse_cachegrind,
    parse_objdump,
    subtract,
)
from tests.conftest import DATA
from tests.profilers.contexts import profile_context

PROFILES = DATA / "profiles"
INNER_LOOP = range(21, 24)  # matmul initial.cpp: the k loop


def recorded(name: str) -> str:
    return (PROFILES / name).read_text()


def test_parses_a_recorded_profile() -> None:
    profile = parse_cachegrind(recorded("cachegrind_matmul_runs2.txt"))
    assert profile.events == EVENTS
    assert any(Path(file).name == "candidate.cpp" for file, _, _ in profile.costs)
    totals = tuple(sum(column) for column in zip(*profile.costs.values(), strict=True))
    assert totals == profile.summary


def test_the_difference_of_two_profiles_ranks_the_inner_loop_first() -> None:
    before = parse_cachegrind(recorded("cachegrind_matmul_runs0.txt"))
    after = parse_cachegrind(recorded("cachegrind_matmul_runs2.txt"))
    lines, outside = attribute(after.events, subtract(after, before), {})
    top = max(lines, key=lambda line: lines[line].cost.estimate)
    assert top in INNER_LOOP
    assert lines[top].cost.d1_misses > 0
    assert all(line not in lines for line in range(140, 200))  # aiopt_init's lines cancel out
    assert sum(cost.estimate for cost in outside.values()) < lines[top].cost.estimate / 100


@pytest.mark.parametrize(
    ("name", "message"),
    [("cachegrind_truncated.txt", "summary"), ("cachegrind_malformed.txt", "bad counts")],
)
def test_truncated_or_malformed_output_is_a_clear_error(name: str, message: str) -> None:
    with pytest.raises(ProfilerOutputError, match=message):
        parse_cachegrind(recorded(name))


@pytest.mark.parametrize(
    "text",
    ["", "events: Ir\n12 3\n", "events: Ir\nfl=a.c\nfn=f\n1 2\nsummary: 3\n", "fn=f\n"],
)
def test_other_bad_texts_are_clear_errors(text: str) -> None:
    with pytest.raises(ProfilerOutputError):
        parse_cachegrind(text)


def test_profiles_with_different_events_are_not_subtracted() -> None:
    one = parse_cachegrind("events: Ir\nfl=a.c\nfn=f\n1 2\nsummary: 2\n")
    two = parse_cachegrind("events: Ir Dr\nfl=a.c\nfn=f\n1 2 1\nsummary: 2 1\n")
    with pytest.raises(ProfilerOutputError, match="different events"):
        subtract(two, one)


def test_the_cycle_estimate_weighs_misses_and_mispredicts() -> None:
    values = (100, 1, 1, 20, 2, 1, 10, 1, 0, 30, 3, 2, 1)  # in EVENTS order
    cost = LineCost.of(EVENTS, values)
    assert (cost.l1_misses, cost.ll_misses, cost.mispredicts) == (4, 2, 4)
    assert cost.estimate == 100 + 10 * 4 + 100 * 2 + 10 * 4


def test_inlined_header_lines_go_to_their_only_candidate_line() -> None:
    header = "/usr/include/c++/12/bits/stl_vector.h"
    candidate = "/tmp/build-x/candidate.cpp"
    functions = {0x10: "run", 0x14: "run", 0x18: "run", 0x20: "other", 0x24: "other"}
    chains = {
        0x10: ((header, 1124), (candidate, 30)),  # only from line 30 in run
        0x14: ((header, 1124), (candidate, 30)),
        0x18: ((candidate, 31),),  # candidate code: not a header line
        0x20: ((header, 1124), (candidate, 40)),  # from two lines in other: ambiguous
        0x24: ((header, 1124), (candidate, 41)),
    }
    assert inline_owners(functions, chains) == {("stl_vector.h", 1124, "run"): 30}


def test_objdump_text_maps_instructions_to_functions() -> None:
    text = (
        "0000000000001150 <std::vector<int>::~vector()>:\n"
        "    1150:\tpush   %rbp\n"
        "\n"
        "00000000000011f0 <aiopt_run>:\n"
        "    11f0:\tpush   %rbp\n"
        "    11f1:\tmov    %rdi,%rax\n"
    )
    assert parse_objdump(text) == {
        0x1150: "std::vector<int>::~vector()",
        0x11F0: "aiopt_run",
        0x11F1: "aiopt_run",
    }


def test_missing_valgrind_is_unavailable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, matmul_task: Path
) -> None:
    ctx = context(matmul_task, tmp_path)
    monkeypatch.setattr(shutil, "which", lambda _: None)
    section = simulated.run(ctx)
    assert not section.available
    assert "valgrind not found" in section.reason


def context(task_dir: Path, work_dir: Path) -> ProfileContext:
    return profile_context(task_dir, work_dir, budget=20.0, timeout=120.0)


def test_cachegrind_on_matmul_finds_the_inner_loop_twice_alike(
    tmp_path: Path, matmul_task: Path
) -> None:
    if shutil.which("valgrind") is None:
        pytest.skip("valgrind is not installed")
    sections = []
    for attempt in ("first", "second"):
        (tmp_path / attempt).mkdir()
        sections.append(simulated.run(context(matmul_task, tmp_path / attempt)))
    first, second = sections
    assert first.available, first.reason
    assert first.hotspots[0].line in INNER_LOOP
    assert first.hotspots[0].metrics["D1_misses"] > 0
    assert first.figures["candidate_share"] > 0.9
    # Each run draws fresh inputs, and buffer addresses differ with them, so the simulated
    # cache misses may differ by a few per run, and the instruction counts by a few of
    # 38 million (libc's copy routines take alignment-dependent paths: 14 seen in CI).
    assert first.figures["Ir_per_run"] == pytest.approx(second.figures["Ir_per_run"], rel=1e-6)
    assert first.figures.keys() == second.figures.keys()
    for name, value in first.figures.items():
        if isinstance(value, float):
            assert second.figures[name] == pytest.approx(value, rel=1e-3, abs=1e-6), name
    assert first.hotspots[0].line == second.hotspots[0].line
    others = {spot.line: spot for spot in second.hotspots}
    for spot in first.hotspots:
        if spot.line in others:
            assert others[spot.line].metrics == pytest.approx(spot.metrics, rel=1e-3, abs=2.0)


def test_cachegrind_is_skipped_when_this_task_says_it_would_take_too_long(
    tmp_path: Path, matmul_task: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The slowdown learned from the task's last run predicts more than the limit:
    the section says so instead of running (and never shows a number)."""
    monkeypatch.setenv("AIOPT_CACHE_DIR", str(tmp_path / "cache"))
    ctx = profile_context(
        matmul_task, tmp_path, budget=1.0, timeout=60.0,
        measurement={"time_ns": {"median": 20e6}},  # 20 ms per call natively
    )  # fmt: skip
    assert simulated.estimated_seconds(ctx) is None  # nothing learned yet: it would run
    simulated._learn_slowdown(ctx, simulated.VALGRIND_START_SECONDS + 2 * 0.020 * 500)
    estimate = simulated.estimated_seconds(ctx)
    assert estimate == pytest.approx(simulated.VALGRIND_START_SECONDS + 2 * 0.020 * 500)
    section = simulated.run(ctx)
    assert not section.available and not section.figures and not section.hotspots
    assert section.reason.startswith(f"skipped: cachegrind would take about {estimate:.0f} s")
    assert "over the 3 s this profile allows it" in section.reason


def test_cachegrind_that_overruns_its_limit_is_skipped_and_learned(
    tmp_path: Path, matmul_task: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if shutil.which("valgrind") is None:
        pytest.skip("valgrind is not installed")
    monkeypatch.setenv("AIOPT_CACHE_DIR", str(tmp_path / "cache"))  # nothing learned yet
    monkeypatch.setattr(simulated, "MIN_LIMIT_SECONDS", 0.3)
    monkeypatch.setattr(simulated, "OVER_BUDGET_FACTOR", 1.0)
    ctx = profile_context(
        matmul_task, tmp_path, budget=0.3, timeout=60.0,
        measurement={"time_ns": {"median": 2e6}},
    )  # fmt: skip
    section = simulated.run(ctx)
    assert not section.available
    assert (
        section.reason
        == "skipped: cachegrind did not finish within the 0.3 s this profile allows it"
    )
    assert simulated.estimated_seconds(ctx) is not None  # the next run knows in advance


def test_a_skipping_estimate_is_tested_again_after_some_skips(
    tmp_path: Path, matmul_task: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One slow candidate must not switch cachegrind off for the task for good: after
    RELEARN_AFTER_SKIPS skips, the next profile runs it (and learns matmul's real cost)."""
    if shutil.which("valgrind") is None:
        pytest.skip("valgrind is not installed")
    monkeypatch.setenv("AIOPT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(simulated, "RELEARN_AFTER_SKIPS", 2)
    ctx = profile_context(matmul_task, tmp_path, budget=20.0, timeout=120.0)
    real = simulated.run(ctx)  # matmul's real cost, with its true native time below
    assert real.available, real.reason
    ctx.measurement["time_ns"] = {"median": 2e6}
    simulated._record(ctx, 1e6, skips=0)  # as if a pathological candidate had run
    reasons = [simulated.run(ctx).reason for _ in range(2)]
    assert all(reason.startswith("skipped: cachegrind would take") for reason in reasons)
    again = simulated.run(ctx)
    assert again.available, again.reason
    assert simulated.estimated_seconds(ctx) < 2.5 * 20.0  # re-learned: the next one runs
