"""``aiopt experiment init | run | status`` as a user types them."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiopt_harness.cli import main


def test_init_writes_a_spec_that_status_reads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "demo.toml"
    assert main(["experiment", "init", str(spec), "--demo"]) == 0
    assert main(["experiment", "init", str(spec), "--demo"]) == 2  # exists: not overwritten
    assert "--force" in capsys.readouterr().err
    assert main(["experiment", "init", str(spec), "--force"]) == 0  # the example now
    assert "[tracks.D]" in spec.read_text()
    assert main(["experiment", "status", str(spec)]) == 0
    shown = capsys.readouterr().out
    assert "matmul-A-s1" in shown and "0 of 20 runs done" in shown


def test_run_refuses_what_cannot_start_and_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("STRONG_LLM_KEY", raising=False)
    spec = tmp_path / "experiment.toml"
    assert main(["experiment", "init", str(spec)]) == 0
    assert main(["experiment", "run", str(spec), "--no-endpoint-check"]) == 2
    error = capsys.readouterr().err
    assert "the experiment cannot start" in error and "STRONG_LLM_KEY" in error
    assert not (tmp_path / "experiment-factorial").exists()
    assert main(["experiment", "status", str(tmp_path)]) == 2
    assert "not an experiment directory" in capsys.readouterr().err
    assert main(["experiment", "run", str(spec), "--parallel", "0"]) == 2
