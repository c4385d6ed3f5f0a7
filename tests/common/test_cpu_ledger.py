"""The CPU ledger's verdict: a measurement that shares its CPU, at the same time on the
same host, with another measurement, a compile or a local LLM request is named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aiopt_harness.common.cpu_ledger import (
    LEDGER_ENV,
    conflicts,
    read_ledger,
    record_interval,
    summary,
)


def test_overlaps_are_found_and_only_those(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "ledger.jsonl"
    monkeypatch.setenv(LEDGER_ENV, str(path))
    record_interval("measure", [1], 10.0, 20.0)
    record_interval("compile", [0], 12.0, 18.0)  # beside it: fine
    record_interval("measure", [1], 20.0, 25.0)  # after it: fine
    record_interval("llm_request", [0, 1], 30.0, 31.0)  # no measurement then: fine
    assert conflicts(read_ledger(path)) == []
    assert "no measurement shared its CPU" in summary(path)
    record_interval("llm_request", [0, 1], 24.0, 26.0)  # during the second measurement
    record_interval("measure", [1], 11.0, 12.0)  # inside the first
    found = conflicts(read_ledger(path))
    assert len(found) == 2 and any("llm_request" in line for line in found), found
    elsewhere = json.loads(path.read_text().splitlines()[0])
    elsewhere["host"] = "another-node"  # the same CPU number on another machine
    path.write_text(json.dumps(elsewhere) + "\n" + '{"kind": "measure", "cpus": [1]')
    assert len(read_ledger(path)) == 1  # the torn last line is skipped


def test_nothing_is_recorded_without_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(LEDGER_ENV, raising=False)
    record_interval("measure", [1], 0.0, 1.0)
    assert summary(tmp_path / "none.jsonl").startswith("CPU ledger: unavailable:")
