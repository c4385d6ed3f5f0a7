"""``aiopt baseline``: A/A compares (real ones, on the tiny task) turned into a threshold,
stored per machine, recorded by experiments, and exported for pytest-benchmark."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from aiopt_harness.measurement.harness import check
from aiopt_harness.noise.baseline import AACompare, TaskBaseline, measure_baseline
from aiopt_harness.noise.layout_variants import layout_shifted
from aiopt_harness.noise.store import (
    load_baselines,
    pytest_benchmark_json,
    save_baselines,
    task_thresholds,
)
from aiopt_harness.tasks.task import load_task


def test_a_layout_shifted_build_is_the_same_program(tmp_path: Path) -> None:
    task = load_task("matmul")
    source = task.initial.read_text()
    shifted = layout_shifted(source, 3)
    assert "aiopt_layout_shift_3" in shifted and ".skip 192" in shifted
    assert (
        shifted.replace(shifted[: shifted.index("// EVOLVE-BLOCK-START")], "")
        == source[source.index("// EVOLVE-BLOCK-START") :]
    )
    path = tmp_path / "shifted.cpp"
    path.write_text(shifted)
    assert check(path, task=task).ok


def test_the_threshold_is_the_95th_percentile_of_abs_log_speedup() -> None:
    rng = np.random.default_rng(7)
    speedups = np.exp(rng.normal(0.0, 0.01, size=40))
    result = TaskBaseline("t", 1.0)
    for value in speedups:
        result.compares.append(
            AACompare("same", float(value), value * 0.99, value * 1.01, 1.0, 1e6)
        )
    expected = float(np.percentile(np.abs(np.log(speedups)), 95))
    assert result.threshold() == pytest.approx(expected, rel=1e-12)
    summary = result.summary()
    assert summary["threshold_speedup"] == pytest.approx(math.exp(expected))
    missed = sum(1 for v in speedups if not v * 0.99 <= 1.0 <= v * 1.01)
    assert summary["false_positive_rate"] == missed / 40
    few = TaskBaseline("t", 1.0, result.compares[:19])
    assert few.threshold() is None and "at least 20" in few.summary()["threshold_note"]


def test_a_real_baseline_is_stored_recorded_and_exported(tmp_path: Path, tiny_task: Path) -> None:
    result = measure_baseline(str(tiny_task), compares=4, budget=0.2, say=lambda line: None)
    assert [c.kind for c in result.compares] == ["same", "layout", "same", "layout"]
    assert all(c.ci_low <= c.speedup <= c.ci_high for c in result.compares)
    store = tmp_path / "baselines.json"
    save_baselines([result], store)
    stored = load_baselines(store)
    assert stored["machine"]["cpu_model"] and stored["tasks"]["tiny_task"]["compares"] == 4
    shown = task_thresholds(["tiny_task", "matmul"], store)
    assert shown["tasks"]["tiny_task"]["threshold_note"].startswith("unavailable: 4 compares")
    assert shown["tasks"]["matmul"].startswith("unavailable: no baseline for matmul")
    exported = tmp_path / "benchmark.json"
    exported.write_text(json.dumps(pytest_benchmark_json([result])))
    # pytest-benchmark reads it: its own compare command lists the benchmark
    shown_by_peer = subprocess.run(
        [sys.executable, "-m", "pytest_benchmark", "compare", str(exported)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert shown_by_peer.returncode == 0, shown_by_peer.stderr
    assert "baseline[tiny_task]" in shown_by_peer.stdout


def test_the_command_prints_the_table_and_says_when_too_few(
    tmp_path: Path, tiny_task: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from aiopt_harness.cli import main

    store, exported = tmp_path / "b.json", tmp_path / "bench.json"
    code = main(["baseline", str(tiny_task), "--compares", "2", "--budget", "0.1",
                 "--output", str(store), "--benchmark-json", str(exported)])  # fmt: skip
    shown = capsys.readouterr().out
    assert code == 1  # 2 compares give no threshold: not a success
    assert "tiny_task" in shown and "n/a" in shown and str(store) in shown
    assert json.loads(exported.read_text())["benchmarks"][0]["stats"]["rounds"] == 2
    assert main(["baseline", "no_such_task", "--output", str(store)]) == 2
