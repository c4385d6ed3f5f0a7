"""Candidates that lie about their work, as an LLM under selection pressure writes them.

Each file in tests/data/cheats/ is a complete matmul candidate; MANIFEST.toml says what
it tries and which verdict catches it (after KernelBench's adversarial tests and
pygpubench's exploits). A cheat is caught when the comparison fails with one of the
listed statuses, or, for a cheat that does no less work than the baseline, when it is
rejected or the low end of its speedup interval stays at its honest cost (<= 1.10). The
honest controls must pass. Verdicts are judged from outside: the status and speedup the
harness reports, and no process left running.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

import pytest

from aiopt_harness import CompareResult, compare
from aiopt_harness.sandbox.process_tree import descendants
from tests.conftest import DATA, ROOT, processes_named

CHEATS = DATA / "cheats"
MANIFEST: dict[str, dict[str, Any]] = tomllib.loads((CHEATS / "MANIFEST.toml").read_text())
MATMUL = ROOT / "programs" / "matmul"
HONEST_COST = 1.10
NOT_A_VERDICT = {"compile_error", "abi_error", "harness_error"}


def _compare(baseline: Path, candidate: Path, budget: float = 0.5) -> CompareResult:
    return compare(baseline, candidate, task=MATMUL, budget=budget, timeout=10.0)


def _judge(name: str, result: CompareResult) -> None:
    expect = MANIFEST[name]["expect"]
    shown = (
        f"{name}: {result.status.value}: {result.message} (speedup {result.speedup}, "
        f"interval [{result.ci_low}, {result.ci_high}])"
    )
    if isinstance(expect, list):
        assert result.status.value in expect, shown
    elif expect == "ok":
        assert result.ok, shown
    else:
        assert expect == f"speedup<={HONEST_COST:.2f}", f"unknown expectation {expect!r}"
        # judged by the interval's low end: the harness must not claim a gain beyond the
        # honest cost (the point estimate of an honest copy reached 1.107 on a loaded
        # machine, while a working cheat gains 10x or more)
        honest_cost = result.ci_low is not None and result.ci_low <= HONEST_COST
        assert not result.ok or honest_cost, shown
        # rejected means rejected for what it did: a cheat that never ran proves nothing
        assert result.status.value not in NOT_A_VERDICT, shown
    assert descendants(os.getpid()) == {}
    assert processes_named("aiopt-escapee") == []


CHEAT_NAMES = sorted(n for n, e in MANIFEST.items() if e["kind"] == "cheat")
HONEST_NAMES = sorted(n for n, e in MANIFEST.items() if e["kind"] == "honest")


def test_the_corpus_covers_the_cheats_seen_elsewhere() -> None:
    assert len(CHEAT_NAMES) >= 20
    assert {"memo_state", "work_in_init", "spinning_thread", "clock_interpose"} <= set(MANIFEST)
    assert {p.stem for p in CHEATS.glob("*.cpp")} == set(MANIFEST)


@pytest.mark.parametrize("name", CHEAT_NAMES)
def test_a_cheat_gains_nothing(name: str) -> None:
    # a cheat judged by its cost gets the default budget: kernel CPU accounting needs
    # enough calls to show CPU beyond wall time
    budget = 2.0 if MANIFEST[name]["expect"] == f"speedup<={HONEST_COST:.2f}" else 0.5
    _judge(name, _compare(MATMUL / "initial.cpp", CHEATS / f"{name}.cpp", budget))


@pytest.mark.parametrize("name", [n for n in HONEST_NAMES if n != "slow40_baseline"])
def test_honest_work_still_scores(name: str) -> None:
    result = _compare(MATMUL / "initial.cpp", CHEATS / f"{name}.cpp")
    _judge(name, result)


def test_an_honest_40x_speedup_passes_its_re_measurement() -> None:
    """A baseline that repeats its work 40 times: the candidate is honestly 40x faster,
    above the plausibility threshold, so it is measured again, and still scores."""
    result = _compare(CHEATS / "slow40_baseline.cpp", MATMUL / "initial.cpp")
    assert result.ok, result.message
    assert result.speedup is not None and result.speedup > 20
    assert "re-measured" in result.message


def test_no_other_process_is_reniced(tmp_path: Path) -> None:
    """Judged from outside: a sentinel process of the same user and, like the baseline's
    workers, without capabilities (the kernel lets such a process renice it), started
    before the compare, keeps its nice value and scheduling policy while the
    renice_others cheat runs (PRIO_USER, its parent, 400 pids around it). Without the
    sandbox's rule, a probe of this kind reniced 23 of 27 neighbouring processes."""
    import shutil
    import subprocess

    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or setpriv is None:
        sentinel = subprocess.Popen(["sleep", "60"])
    else:  # as root: a bounding set of nothing leaves it no capability after exec
        sentinel = subprocess.Popen([setpriv, "--bounding-set=-all", "sleep", "60"])
    try:
        before = [(os.getpriority(os.PRIO_PROCESS, p), os.sched_getscheduler(p))
                  for p in (0, sentinel.pid)]  # fmt: skip
        result = _compare(MATMUL / "initial.cpp", CHEATS / "renice_others.cpp", budget=1.0)
        after = [(os.getpriority(os.PRIO_PROCESS, p), os.sched_getscheduler(p))
                 for p in (0, sentinel.pid)]  # fmt: skip
    finally:
        sentinel.kill()
        sentinel.wait()
    assert after == before, (before, after, result.status, result.message)
    _judge("renice_others", result)
