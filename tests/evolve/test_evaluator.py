"""The OpenEvolve evaluator on real candidates: scores, statuses, keys, cleanliness."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from openevolve.evaluation_result import EvaluationResult

from aiopt_harness.evolve.evaluator import code_lines, evaluate_for_task
from aiopt_harness.sandbox.process_tree import descendants
from tests.conftest import ROOT, VARIANTS, hostile

KEYS = {
    "combined_score",
    "status",
    "correct",
    "speedup",
    "ci_low",
    "ci_high",
    "confirmed",
    "code_lines",
}


def evaluate(task: Path, program: Path, state: Path, **settings: object) -> EvaluationResult:
    return evaluate_for_task(
        str(task), str(program), state_dir=str(state), timeout=4.0, budget=0.5, **settings
    )


def assert_plain(metrics: dict[str, object]) -> None:
    assert set(metrics) >= KEYS
    for key, value in metrics.items():
        if key != "status":
            assert type(value) is float, (key, value)


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("segfault", "crash"),
        ("infinite_loop", "timeout"),
        ("wrong_output", "wrong_output"),
        ("compile_error", "compile_error"),
    ],
)
def test_hostile_candidates_score_zero(
    name: str, status: str, tiny_task: Path, tmp_path: Path
) -> None:
    started = time.monotonic()
    result = evaluate(tiny_task, hostile(name), tmp_path, profile=True)
    assert time.monotonic() - started < 4.0 + 10  # liveness: the run timeout plus 10 s
    assert result.metrics["combined_score"] == 0.0
    assert result.metrics["status"] == status
    assert_plain(result.metrics)
    assert result.artifacts["failure"].startswith(f"{status}: ")
    assert "profile" not in result.artifacts
    assert descendants(os.getpid()) == {}


def test_correct_candidate_with_and_without_profile(tiny_task: Path, tmp_path: Path) -> None:
    on = evaluate(
        tiny_task, tiny_task / "initial.cpp", tmp_path / "on", profile=True, profile_budget=2.0
    )
    off = evaluate(tiny_task, tiny_task / "initial.cpp", tmp_path / "off", profile=False)
    for result in (on, off):
        assert result.metrics["status"] == "ok"
        assert result.metrics["combined_score"] > 0
        assert result.metrics["ci_low"] <= result.metrics["speedup"] <= result.metrics["ci_high"]
        assert_plain(result.metrics)
    assert "Runtime profile of this program" in on.artifacts["profile"]
    # both tracks see what the score is made of: mean cost, best case, per-call spread
    assert set(off.artifacts) == {"timing"}
    for result in (on, off):
        assert "by mean cost per call (the score)" in result.artifacts["timing"]
        assert "per-call spread over the median" in result.artifacts["timing"]
    # the first ok result is a new best: confirmed by a second comparison
    assert on.metrics["confirmed"] == 1.0
    log = [json.loads(line) for line in (tmp_path / "on" / "evaluations.jsonl").open()]
    assert log[0]["status"] == "ok" and log[0]["profile"] is True


def test_output_metric_task_scores_its_metric(tmp_path: Path) -> None:
    better = VARIANTS / "cache_policy" / "better.cpp"
    result = evaluate_for_task(
        "cache_policy", str(better), state_dir=str(tmp_path), budget=0.3, profile=False
    )
    assert result.metrics["status"] == "ok"
    # fresh traces every call: the known-better policy stays near its 0.434 (LRU: 0.371)
    assert result.metrics["hit_rate"] == pytest.approx(0.434, abs=0.005)
    assert result.metrics["combined_score"] == result.metrics["hit_rate"]
    broken = VARIANTS / "cache_policy" / "broken.cpp"
    failed = evaluate_for_task("cache_policy", str(broken), state_dir=str(tmp_path), profile=False)
    assert failed.metrics["hit_rate"] == 0.0 and failed.metrics["status"] == "wrong_output"


def test_code_lines_counts_the_evolve_block() -> None:
    source = "a\n// EVOLVE-BLOCK-START\nx\n\ny\n// EVOLVE-BLOCK-END\nb\n"
    assert code_lines(source) == 2.0
    assert code_lines("a\nb\n") == 2.0


def test_a_harness_fault_is_retried_not_charged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first evaluation raises inside the harness (a test double for a harness fault):
    the evaluator tries once more instead of scoring the candidate 0."""
    from aiopt_harness.evolve import evaluator

    real = evaluator._evaluate
    attempts = []

    def flaky(*args: object, **kwargs: object) -> EvaluationResult:
        attempts.append(1)
        if len(attempts) == 1:
            raise OSError("pin failed (injected)")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(evaluator, "_evaluate", flaky)
    result = evaluate_for_task("matmul", str(ROOT / "programs" / "matmul" / "initial.cpp"),
                               state_dir=str(tmp_path), budget=0.3, profile=False)  # fmt: skip
    assert len(attempts) == 2
    assert result.metrics["status"] == "ok"


def test_stages_are_recorded_and_a_program_is_checked_once(tmp_path: Path) -> None:
    program = str(ROOT / "programs" / "matmul" / "initial.cpp")
    for _ in range(2):
        result = evaluate_for_task(
            "matmul", program, state_dir=str(tmp_path), budget=0.3, profile=False
        )
        assert result.metrics["status"] == "ok"
    first, second = (json.loads(line) for line in (tmp_path / "evaluations.jsonl").open())
    assert {"compile", "check", "compare"} <= set(first["stages"])
    assert "check" not in second["stages"]  # the same object file passed it already
    assert all(seconds >= 0 for seconds in first["stages"].values())


def test_a_profiler_fault_never_changes_the_score(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the profile-on track could suffer a profiler's fault: it must cost the
    candidate nothing but the artifact (a test double raises inside profile())."""
    from aiopt_harness.evolve import evaluator

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("perf exploded (injected)")

    monkeypatch.setattr(evaluator, "profile", broken)
    program = str(ROOT / "programs" / "matmul" / "initial.cpp")
    result = evaluate_for_task("matmul", program, state_dir=str(tmp_path), budget=0.3, profile=True)
    assert result.metrics["status"] == "ok" and result.metrics["combined_score"] > 0
    assert result.artifacts["profile"] == (
        "profile unavailable: internal error: RuntimeError: perf exploded (injected)"
    )


def test_the_profile_is_skipped_and_said_so_when_the_deadline_is_near(
    tiny_task: Path, tmp_path: Path
) -> None:
    """OpenEvolve's own timeout kills nothing and turns a slow evaluation into
    other_error (on the profile-on track only): the evaluator keeps its own deadline."""
    result = evaluate(tiny_task, tiny_task / "initial.cpp", tmp_path, profile=True, deadline=1.0)
    assert result.metrics["status"] == "ok" and result.metrics["combined_score"] > 0
    assert result.artifacts["profile"].startswith(
        "profile unavailable: skipped, the evaluation had"
    )
    (record,) = [json.loads(line) for line in (tmp_path / "evaluations.jsonl").open()]
    assert "profile_skipped" in record["stages"]


def test_without_a_state_dir_each_openevolve_process_has_its_own(tmp_path: Path) -> None:
    """The committed evaluators/*/config.yaml name no state_dir: two runs (two controller
    processes) must not share a best score, while a run's worker processes share its one."""
    import subprocess
    import sys

    from aiopt_harness.evolve.evaluator import EvaluatorSettings
    from aiopt_harness.tasks.task import load_task

    task = load_task("matmul")
    here = EvaluatorSettings(task="matmul").state_path(task)
    script = (
        "import multiprocessing as mp\n"
        "from aiopt_harness.evolve.evaluator import EvaluatorSettings\n"
        "from aiopt_harness.tasks.task import load_task\n"
        "def key(_):\n"
        "    return str(EvaluatorSettings(task='matmul').state_path(load_task('matmul')))\n"
        "if __name__ == '__main__':\n"
        "    with mp.get_context('fork').Pool(1) as pool:\n"
        "        print(key(0)); print(pool.map(key, [0])[0])\n"
    )
    (tmp_path / "keys.py").write_text(script)
    shown = subprocess.run(
        [sys.executable, str(tmp_path / "keys.py")], capture_output=True, text=True, check=True
    ).stdout.split()
    assert shown[0] == shown[1]  # the controller and its worker: one run
    assert shown[0] != str(here)  # another run
