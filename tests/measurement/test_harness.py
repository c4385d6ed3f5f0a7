"""measure() and compare() end to end on the tiny task (real compiler, real workers)."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import numpy as np
import pytest

from aiopt_harness import Status, compare, measure
from aiopt_harness.sandbox.containment import Containment


def test_measure_reports_times_and_counters(tiny_task: Path) -> None:
    result = measure(tiny_task / "initial.cpp", task=tiny_task, budget=0.2)
    assert result.ok, result.message
    assert result.time_ns is not None and result.cpu_time_ns is not None
    assert 0 < result.time_ns.min <= result.time_ns.p10 <= result.time_ns.median
    assert result.time_ns.n >= 6
    assert len(result.samples["wall_ns"]) == result.time_ns.n
    task_clock = result.counters["task-clock"]
    assert task_clock.available and task_clock.value is not None and task_clock.value > 0
    for reading in result.counters.values():
        assert reading.available or reading.reason  # never a silent zero
    data = json.loads(json.dumps(result.to_dict()))
    assert data["status"] == "ok"
    assert set(data["time_ns"]) >= {"min", "p10", "median"}
    assert data["counters"]["task-clock"]["available"] is True
    assert data["cpu"] == result.cpu


def test_injected_counter_failure_shows_in_the_result(tiny_task: Path) -> None:
    result = measure(
        tiny_task / "initial.cpp",
        task=tiny_task,
        budget=0.1,
        inject_counter_errno={"task-clock": errno.ENOENT, "cycles": errno.EACCES},
    )
    assert result.ok
    for name in ("task-clock", "cycles"):
        entry = result.to_dict()["counters"][name]
        assert entry["available"] is False
        assert entry["reason"].endswith("[injected failure]")
    assert result.counters["page-faults"].available


def test_counters_can_be_switched_off(tiny_task: Path) -> None:
    result = measure(tiny_task / "initial.cpp", task=tiny_task, budget=0.1, counters=False)
    assert result.ok
    assert all(not r.available and "disabled" in r.reason for r in result.counters.values())


def test_compare_gives_an_interval_around_the_estimate(tiny_task: Path) -> None:
    result = compare(
        tiny_task / "initial.cpp", tiny_task / "initial.cpp", task=tiny_task, budget=0.5, seed=3
    )
    assert result.ok, result.message
    assert result.speedup is not None and result.ci_low is not None
    assert result.ci_high is not None and result.confidence is not None
    assert result.ci_low <= result.speedup <= result.ci_high
    assert result.confidence >= 0.95
    assert result.rounds >= 6
    assert "copy pairs" in result.message
    variants = result.samples["variant"]
    assert (variants == 0).sum() == (variants == 1).sum()
    data = result.to_dict()
    assert {"speedup", "ci_low", "ci_high"} <= set(data)


def test_round_order_is_balanced_and_seeded(tiny_task: Path) -> None:
    runs = [
        compare(
            tiny_task / "initial.cpp",
            tiny_task / "initial.cpp",
            task=tiny_task,
            seed=11,
            budget=30.0,  # max_rounds ends both runs, whatever the machine's load
            max_rounds=12,
            precision=0.0,
        )
        for _ in range(2)
    ]
    orders = [r.samples["variant"] for r in runs]
    assert np.array_equal(orders[0], orders[1])
    rounds = orders[0].reshape(-1, 4)
    for pattern in rounds:  # every round is ABBA or BAAB
        assert pattern.tolist() in ([0, 1, 1, 0], [1, 0, 0, 1])


def test_the_initial_program_is_its_own_reference(tiny_task: Path) -> None:
    result = measure(tiny_task / "initial.cpp", task=tiny_task, budget=0.1)
    assert result.status is Status.OK


def test_the_budget_stops_compare_before_min_rounds(tiny_task: Path) -> None:
    """A spent budget ends the run at the minimum rounds per copy pair, not at
    min_rounds: slow candidates must not run into the timeout."""
    result = compare(
        tiny_task / "initial.cpp",
        tiny_task / "initial.cpp",
        task=tiny_task,
        budget=0.0,
        min_rounds=1000,
        precision=0.0,
    )
    assert result.ok, result.message
    assert result.stopped_by == "budget"
    assert 6 <= result.rounds < 1000


def test_every_call_gets_a_fresh_input_and_copies_differ_in_layout(
    tiny_task: Path, tmp_path: Path
) -> None:
    from aiopt_harness.build.compiler import compile_candidate
    from aiopt_harness.measurement.session import Plan, Program, SessionResult, run_session
    from aiopt_harness.sandbox.worker_client import Limits
    from aiopt_harness.tasks.task import load_task

    task = load_task(tiny_task)
    compiled = compile_candidate(task.initial, task.cxxflags)
    assert compiled.object_file is not None
    program = Program(compiled.object_file, reference=True)
    plan = Plan(budget=0.0, copies=4, min_rounds=3, max_rounds=3)
    result = run_session(
        [program, program], task, reference=compiled.object_file, cpu=0, limits=Limits(),
        plan=plan, scratch=tmp_path, seed=5,
    )  # fmt: skip
    assert isinstance(result, SessionResult), result
    pads = [pad for copies in result.layout_pads for pad in copies]
    assert len(set(pads)) > 1  # placement differs between copies
    from aiopt_harness.measurement.session import ALIGNMENT_STRATA, alignment_stratum

    # Common random numbers: copy k of each program shares its layout draw, and the
    # copies cover the code-alignment strata evenly.
    assert result.layout_pads[0] == result.layout_pads[1]
    strata = sorted(alignment_stratum(pad) for pad in result.layout_pads[0])
    assert strata == list(range(ALIGNMENT_STRATA))
    assert result.checked_calls >= 2 * 4 * 3 * 2
    assert result.distinct_inputs * 2 == result.checked_calls  # no input seen twice


def test_a_task_whose_output_ignores_the_seed_is_rejected(tmp_path: Path) -> None:
    """A constant answer would pass its check: such a task cannot time anything."""
    (tmp_path / "initial.cpp").write_text(
        '#include "aiopt.h"\n#include <cstring>\n'
        'extern "C" void* aiopt_init(const unsigned char*, size_t) { return nullptr; }\n'
        'extern "C" size_t aiopt_run(void*, const unsigned char*, size_t, unsigned char* out,'
        " size_t) { std::memset(out, 7, 8); return 8; }\n"
        'extern "C" void aiopt_fini(void*) {}\n'
    )
    (tmp_path / "generator.py").write_text(
        "def params():\n    return b''\n\ndef generate(seed):\n"
        "    return seed.to_bytes(8, 'little')\n"
    )
    (tmp_path / "task.toml").write_text('initial = "initial.cpp"\noutput_capacity = 64\n')
    result = measure(tmp_path / "initial.cpp", task=tmp_path, budget=0.1)
    assert result.status is Status.HARNESS_ERROR
    assert "does not change with the seed" in result.message


def _fake_session(log_ratio: float) -> object:
    """A SessionResult whose 12 copy pairs all measured ``log_ratio`` (a test double: no
    candidate can be written that is fast only in its first session)."""
    import math as _math

    from aiopt_harness.measurement.session import Call, SessionResult

    ratios = [[log_ratio + 0.001 * (k % 3)] * 3 for k in range(12)]
    cost = [int(1e6 * _math.exp(-log_ratio * p)) for p in (0, 1)]
    calls = [Call(p, k, 0, cost[p], cost[p], 1, 2, ()) for p in (0, 1) for k in range(12)]
    return SessionResult(
        calls=calls, counter_status=[], rounds=3, stopped_by="budget", seconds=0.1,
        per_copy_log_ratios=ratios, metrics=[[], []], offcpu=[{}, {}],
        layout_pads=[[0] * 12, [0] * 12], checked_calls=72, distinct_inputs=36,
            containment=Containment({}), cache_repairs=[],
    )  # fmt: skip


def test_a_large_speedup_that_a_fresh_measurement_denies_is_implausible(
    tiny_task: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import math as _math

    from aiopt_harness.measurement import harness

    sessions = iter([_fake_session(_math.log(50.0)), _fake_session(0.0)])
    monkeypatch.setattr(harness, "_session", lambda *a, **k: (next(sessions), []))
    result = compare(tiny_task / "initial.cpp", tiny_task / "initial.cpp", task=tiny_task)
    assert result.status is Status.IMPLAUSIBLE
    assert "not confirmed by a fresh re-measurement" in result.message


def test_a_confirmed_large_speedup_counts_at_the_lower_of_the_two(
    tiny_task: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import math as _math

    from aiopt_harness.measurement import harness

    sessions = iter([_fake_session(_math.log(50.0)), _fake_session(_math.log(49.9))])
    monkeypatch.setattr(harness, "_session", lambda *a, **k: (next(sessions), []))
    result = compare(tiny_task / "initial.cpp", tiny_task / "initial.cpp", task=tiny_task)
    assert result.ok and result.speedup is not None
    assert result.speedup < 50.0 and "re-measured" in result.message
