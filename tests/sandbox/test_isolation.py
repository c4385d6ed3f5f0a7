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
from tests.conftest import hostile

TIMEOUT = 4.0

CASES = [
    ("segfault", Status.CRASH, "SIGSEGV"),
    ("abort", Status.CRASH, "SIGABRT"),
    ("exit_in_run", Status.CRASH, "exited with status 3"),
    ("throws", Status.CRASH, "std::runtime_error: candidate gave up"),
    ("crash_later", Status.CRASH, "SIGSEGV"),
    ("infinite_loop", Status.TIMEOUT, f"{TIMEOUT:g} s timeout"),
    ("stack_overflow", Status.RESOURCE_LIMIT, "stack overflow"),
    ("huge_allocation", Status.RESOURCE_LIMIT, "std::bad_alloc"),
    ("output_flood", Status.RESOURCE_LIMIT, "SIGXFSZ"),
    ("fork_setsid", Status.CRASH, "child process"),
    ("missing_fini", Status.ABI_ERROR, "aiopt_fini"),
    ("compile_error", Status.COMPILE_ERROR, "expected"),
    ("wrong_output", Status.WRONG_OUTPUT, "input input.txt: first difference at byte"),
    ("not_repeatable", Status.WRONG_OUTPUT, "repeatable"),
]


def run_dirs() -> set[str]:
    return set(glob.glob(os.path.join(tempfile.gettempdir(), "aiopt-run-*")))


@pytest.mark.parametrize(("name", "status", "text"), CASES, ids=[c[0] for c in CASES])
def test_hostile_candidate(
    name: str,
    status: Status,
    text: str,
    tiny_task: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pid_file = tmp_path / "child.pid"
    monkeypatch.setenv("AIOPT_TEST_PIDFILE", str(pid_file))
    before = run_dirs()
    started = time.monotonic()
    result = measure(hostile(name), task=tiny_task, timeout=TIMEOUT, budget=0.3)
    elapsed = time.monotonic() - started
    assert result.status is status, result.message
    assert text in result.message
    # Liveness, not performance: the bound is the timeout plus 10 s.
    assert elapsed < TIMEOUT + 10
    assert descendants(os.getpid()) == {}
    assert run_dirs() <= before
    if pid_file.exists():
        assert not os.path.exists(f"/proc/{int(pid_file.read_text())}")
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


def test_crash_while_interleaved(tiny_task: Path) -> None:
    result = compare(
        tiny_task / "initial.cpp",
        hostile("crash_later"),
        task=tiny_task,
        timeout=TIMEOUT,
        budget=0.5,
    )
    assert result.status is Status.CRASH
    assert "interleaved" in result.message


def test_the_caller_keeps_working_after_hostile_runs(tiny_task: Path) -> None:
    measure(hostile("segfault"), task=tiny_task, timeout=TIMEOUT)
    result = measure(tiny_task / "initial.cpp", task=tiny_task, budget=0.2)
    assert result.ok
