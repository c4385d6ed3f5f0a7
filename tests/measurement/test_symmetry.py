"""Baseline and candidate measured alike: an identical program compares as about 1.0 on a
task with long calls that stream a large state (tests/data/long_stream: ~20-40 ms, 32 MB
per copy), and honest programs are never rejected on a loaded machine.

Before the fix the baseline's copies were all started (and given their memory) before the
candidate's, and this task compared with itself at 1.10-1.24 in every run. The bound here
(within 7%) tells that apart while leaving the interval's own 5% misses alone."""

from __future__ import annotations

import math
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from aiopt_harness import Status, compare
from tests.conftest import DATA, ROOT

LONG_STREAM = DATA / "long_stream"
BUSY_LOOP = "while True:\n    pass\n"


def test_a_long_streaming_program_compares_with_itself_as_equal() -> None:
    result = compare(
        LONG_STREAM / "initial.cpp", LONG_STREAM / "initial.cpp", task=LONG_STREAM, budget=4.0
    )
    assert result.ok, result.message
    assert result.speedup is not None and result.best_case is not None
    # 1.10-1.24 before the fix, quiet or loaded; 0.96-1.07 after it, even with the
    # measuring CPU shared with other jobs (bench/score_validity.py measures coverage)
    assert abs(math.log(result.speedup)) < math.log(1.10), result.to_dict()
    assert abs(math.log(result.best_case.estimate)) < math.log(1.10), result.to_dict()


def test_neither_program_always_starts_first(
    tiny_task: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The copies of a pair start in a random order: over 12 pairs both orders occur (a
    fixed seed makes this deterministic), and pairs start one after the other."""
    from aiopt_harness.measurement import workers

    started: list[tuple[int | None, int]] = []
    original = workers.WorkerPool._start

    def spy(self: workers.WorkerPool, program: int | None, index: int, *rest: object) -> object:
        started.append((program, index))
        return original(self, program, index, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(workers.WorkerPool, "_start", spy)
    result = compare(
        tiny_task / "initial.cpp", tiny_task / "initial.cpp", task=tiny_task, budget=0.2, seed=7
    )
    assert result.ok, result.message
    pairs = [started[i : i + 2] for i in range(0, 24, 2)]
    assert all({p for p, _ in pair} == {0, 1} and pair[0][1] == pair[1][1] for pair in pairs)
    firsts = [pair[0][0] for pair in pairs]
    assert 0 in firsts and 1 in firsts


@pytest.fixture
def two_niced_busy_loops() -> Iterator[None]:
    """Two busy processes at nice 19, free to run on any CPU: a loaded machine."""
    loops = [
        subprocess.Popen(["nice", "-n", "19", sys.executable, "-c", BUSY_LOOP]) for _ in range(2)
    ]
    try:
        yield
    finally:
        for loop in loops:
            loop.kill()
            loop.wait()


@pytest.mark.parametrize("task", ["particles", "matmul"])
def test_honest_programs_are_not_rejected_under_load(task: str, two_niced_busy_loops: None) -> None:
    directory = ROOT / "programs" / task
    for _ in range(2):
        result = compare(directory / "initial.cpp", directory / "initial.cpp", task=directory)
        assert result.status is Status.OK, result.message
