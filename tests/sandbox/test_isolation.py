"""Hostile candidates: each gets its status, the caller survives, nothing is left behind."""

from __future__ import annotations

import glob
import os
import tempfile
import time
from pathlib import Path

import pytest

from aiopt_harness import Status, compare, measure
from aiopt_harness.sandbox.process_tree import descendants
from tests.conftest import hostile, processes_named

TIMEOUT = 4.0

CASES = [
    ("segfault", Status.CRASH, "SIGSEGV"),
    ("abort", Status.CRASH, "SIGABRT"),
    ("exit_in_run", Status.EARLY_EXIT, "exited with status 3"),
    ("throws", Status.CRASH, "std::runtime_error: candidate gave up"),
    ("crash_later", Status.CRASH, "SIGSEGV"),
    ("infinite_loop", Status.TIMEOUT, f"{TIMEOUT:g} s timeout"),
    ("stack_overflow", Status.RESOURCE_LIMIT, "stack overflow"),
    ("huge_allocation", Status.RESOURCE_LIMIT, "std::bad_alloc"),
    ("output_flood", Status.RESOURCE_LIMIT, "SIGXFSZ"),
    ("fork_setsid", Status.SANDBOX_VIOLATION, "forbidden system call: clone"),
    ("missing_fini", Status.ABI_ERROR, "aiopt_fini"),
    ("compile_error", Status.COMPILE_ERROR, "expected"),
    ("wrong_output", Status.WRONG_OUTPUT, "first difference at byte"),
    ("nondeterministic", Status.WRONG_OUTPUT, "first difference at byte"),
]


def session_dirs() -> set[str]:
    return set(glob.glob(os.path.join(tempfile.gettempdir(), "aiopt-session-*")))


@pytest.fixture
def own_temp_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary root of this test's own: leftovers are judged by what this test
    started, not by other harness processes' /tmp/aiopt-* directories on the machine."""
    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    return root


@pytest.mark.parametrize(("name", "status", "text"), CASES, ids=[c[0] for c in CASES])
def test_hostile_candidate(
    name: str, status: Status, text: str, tiny_task: Path, own_temp_root: Path
) -> None:
    before = session_dirs()
    assert before == set()
    started = time.monotonic()
    result = measure(hostile(name), task=tiny_task, timeout=TIMEOUT, budget=0.3)
    elapsed = time.monotonic() - started
    assert result.status is status, result.message
    assert text in result.message
    # Liveness, not performance: the bound is the timeout plus 10 s.
    assert elapsed < TIMEOUT + 10
    assert descendants(os.getpid()) == {}
    assert session_dirs() <= before
    assert processes_named("aiopt-escapee") == []
    assert result.to_dict()["status"] == status.value


def test_compare_names_the_failing_side(tiny_task: Path) -> None:
    result = compare(
        tiny_task / "initial.cpp", hostile("segfault"), task=tiny_task, timeout=TIMEOUT
    )
    assert result.status is Status.CRASH
    assert result.message.startswith("candidate: ")
    result = compare(
        hostile("wrong_output"), tiny_task / "initial.cpp", task=tiny_task, timeout=TIMEOUT
    )
    assert result.status is Status.WRONG_OUTPUT
    assert result.message.startswith("baseline: ")


def test_a_crash_mid_comparison_names_the_candidate(tiny_task: Path) -> None:
    """Baseline and candidate run in processes of their own: a crash is attributable."""
    result = compare(
        tiny_task / "initial.cpp",
        hostile("crash_later"),  # correct for 20 calls per process, then SIGSEGV
        task=tiny_task,
        timeout=TIMEOUT,
        budget=0.5,
        precision=0.0,  # run the whole budget: every copy gets past 20 calls
    )
    assert result.status is Status.CRASH
    assert result.message.startswith("candidate: ")


def test_the_caller_keeps_working_after_hostile_runs(tiny_task: Path) -> None:
    measure(hostile("segfault"), task=tiny_task, timeout=TIMEOUT)
    result = measure(tiny_task / "initial.cpp", task=tiny_task, budget=0.2)
    assert result.ok
