"""The sampling (perf) profiler: its parsers on recorded output, and the real tool."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from aiopt_harness.profilers import sampling
from aiopt_harness.profilers.context import ProfileContext
from aiopt_harness.profilers.errors import ProfilerOutputError
from aiopt_harness.profilers.sampling import attribute, parse_perf_script, run_phase
from aiopt_harness.profilers.shared import candidate_line, parse_addr2line
from tests.conftest import DATA
from tests.profilers.contexts import profile_context

PROFILES = DATA / "profiles"
INNER_LOOP = range(21, 24)  # matmul initial.cpp: the k loop
# the candidate's shared object when the recorded outputs were made
RECORDED_SO = (
    "/root/.cache/aiopt-harness/so/b7/"
    "b790d1c9fbd32ad23620b8e5831954479e50327da48b9a08b44751e8400f15cf.so"
)


def recorded(name: str) -> str:
    return (PROFILES / name).read_text()


def test_parses_recorded_perf_script_output() -> None:
    samples = parse_perf_script(recorded("perf_script_matmul.txt"))
    assert len(samples) == 19
    assert samples == sorted(samples, key=lambda sample: sample.time)
    leaf = samples[0].frames[0]
    assert leaf.symbol == "exc_page_fault" and leaf.dso == "[kernel.kallsyms]"
    assert any(f.symbol == "aiopt_run" and f.dso == RECORDED_SO for f in samples[-1].frames)


def test_samples_outside_aiopt_run_calls_are_dropped() -> None:
    samples = parse_perf_script(recorded("perf_script_matmul.txt"))
    kept = run_phase(samples, RECORDED_SO)
    assert 0 < len(kept) < len(samples)
    for sample in kept:
        assert not any(f.symbol in {"aiopt_init", "_dl_start"} for f in sample.frames)


def test_samples_land_on_the_inner_loop() -> None:
    samples = run_phase(parse_perf_script(recorded("perf_script_matmul.txt")), RECORDED_SO)
    chains = parse_addr2line(recorded("addr2line_matmul.txt"))
    lines = [attribute(sample, RECORDED_SO, chains).line for sample in samples]
    assert lines and all(line in INNER_LOOP for line in lines)


def test_addr2line_chains_go_from_inlined_code_outwards() -> None:
    chains = parse_addr2line(recorded("addr2line_matmul.txt"))
    assert len(chains) == 4
    for chain in chains.values():
        assert [Path(path).name for path, _ in chain] == ["candidate.cpp", "candidate.cpp"]
        assert candidate_line(chain) in INNER_LOOP
    header = "/usr/include/c++/12/bits/stl_vector.h"
    assert candidate_line(((header, 1124), ("/b/candidate.cpp", 7))) == 7
    assert candidate_line(((header, 1124), ("??", 0))) is None


@pytest.mark.parametrize(
    ("name", "message"),
    [("perf_script_truncated.txt", "stack frame"), ("perf_script_malformed.txt", "stack frame")],
)
def test_truncated_or_malformed_perf_script_is_a_clear_error(name: str, message: str) -> None:
    with pytest.raises(ProfilerOutputError, match=message):
        parse_perf_script(recorded(name))


def test_a_sample_cut_before_its_end_is_truncated() -> None:
    text = recorded("perf_script_matmul.txt").rstrip("\n")
    with pytest.raises(ProfilerOutputError, match="truncated"):
        parse_perf_script(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "/a/candidate.cpp:3\n",
        "0x10\n0x14\n/a/candidate.cpp:3\n",
        "0x10\nnot a location\n",
        "0x10\n",
    ],
)
def test_bad_addr2line_text_is_a_clear_error(text: str) -> None:
    with pytest.raises(ProfilerOutputError):
        parse_addr2line(text)


def context(task_dir: Path, work_dir: Path) -> ProfileContext:
    return profile_context(task_dir, work_dir, budget=1.0, timeout=60.0)


def test_missing_perf_is_unavailable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, matmul_task: Path
) -> None:
    ctx = context(matmul_task, tmp_path)
    monkeypatch.setattr(shutil, "which", lambda _: None)
    section = sampling.run(ctx)
    assert not section.available
    assert "perf not found" in section.reason


def test_perf_on_matmul_finds_the_inner_loop(tmp_path: Path, matmul_task: Path) -> None:
    if shutil.which("perf") is None:
        pytest.skip("perf is not installed")
    section = sampling.run(context(matmul_task, tmp_path))
    assert section.available, section.reason
    assert section.hotspots[0].line in INNER_LOOP
    assert section.hotspots[0].metrics["share"] > 0.3
    assert int(section.figures["samples"]) > 100
