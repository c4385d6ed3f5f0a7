from __future__ import annotations

import json
from pathlib import Path

import pytest

from aiopt_harness.cli import main
from tests.conftest import hostile


def test_compare_json(tiny_task: Path, capsys: pytest.CaptureFixture[str]) -> None:
    initial = str(tiny_task / "initial.cpp")
    code = main(
        ["compare", initial, initial, "--task", str(tiny_task), "--budget", "0.3", "--json"]
    )
    data = json.loads(capsys.readouterr().out)
    assert code == 0
    assert data["status"] == "ok"
    assert data["ci_low"] <= data["speedup"] <= data["ci_high"]


def test_measure_table(tiny_task: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["measure", str(tiny_task / "initial.cpp"), "--task", str(tiny_task), "--budget", "0.2"]
    )
    text = capsys.readouterr().out
    assert code == 0
    assert "call time" in text and "task-clock" in text


def test_failure_exit_code_and_json(tiny_task: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["measure", str(hostile("wrong_output")), "--task", str(tiny_task), "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 1
    assert data["status"] == "wrong_output"
    assert data["message"]


def test_bad_task_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["measure", "x.cpp", "--task", str(tmp_path)])
    assert code == 2
    assert "no task.toml" in capsys.readouterr().err


def test_unavailable_cpu_is_a_usage_error(
    tiny_task: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["measure", str(tiny_task / "initial.cpp"), "--task", str(tiny_task), "--cpu", "999"]
    )
    assert code == 2
    assert "CPU 999 is not available" in capsys.readouterr().err
