"""``analysis.json`` as a typed record: read back unchanged; "unavailable" is a field
with its reason, and the notes of files written before read as the same reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aiopt_harness.analysis.remeasure import Remeasured, remeasured_from_dict
from aiopt_harness.analysis.result import (
    AnalysisResult,
    analysis_from_dict,
    analysis_json,
    read_analysis,
    unavailable,
    unavailable_reason,
)
from aiopt_harness.sandbox.verdict import Status

RESULT = AnalysisResult(
    experiment="/exp",
    spec={"name": "demo", "tasks": ["matmul"], "seeds": [1], "iterations": 3, "tracks": {}},
    runs=[{"run": "matmul-A-s1", "remeasured": Remeasured.unavailable("off").to_dict()}],
    labellers_used={"rule": 2},
    labeller="rule",
    labeller_agreement={"llm:x": unavailable("not measured")},
    tasks={"matmul": {"threshold_speedup": None, "threshold_unavailable": "no baseline"}},
    across_tasks={"A": unavailable("track A has 1 scored runs")},
)


def test_written_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "analysis.json"
    path.write_text(analysis_json(RESULT))
    assert list(json.loads(path.read_text())) == [
        "experiment", "spec", "runs", "labellers_used", "labeller", "labeller_agreement",
        "tasks", "across_tasks",
    ]  # fmt: skip
    assert read_analysis(path) == RESULT
    assert json.loads(path.read_text())["across_tasks"]["A"] == {
        "unavailable": "track A has 1 scored runs"
    }


def test_a_file_without_some_parts_reads_them_empty(tmp_path: Path) -> None:
    path = tmp_path / "analysis.json"
    path.write_text(json.dumps({"experiment": "/exp", "runs": [{"run": "r"}]}))
    read = read_analysis(path)
    assert read.runs == [{"run": "r"}] and read.tasks == {} and read.labeller == ""
    path.write_text("[]")
    with pytest.raises(ValueError):
        read_analysis(path)


def test_unavailable_reads_the_field_and_the_old_note() -> None:
    assert unavailable_reason({"unavailable": "no run"}) == "no run"
    assert unavailable_reason({"note": "unavailable: no run"}) == "no run"  # older files
    assert unavailable_reason({"note": "a note that is not about availability"}) is None
    assert unavailable_reason({"hypothesis": "C > A", "unavailable": None}) is None
    assert unavailable_reason(["not", "a", "part"]) is None


def test_remeasured_round_trip_and_the_cache_of_earlier_versions() -> None:
    measured = Remeasured(Status.OK, 1.2, 1.1, 1.3, "ok")
    assert remeasured_from_dict(measured.to_dict()) == measured
    missing = Remeasured.unavailable("the run left no best program")
    assert missing.to_dict()["status"] == "unavailable" and missing.status is None
    assert missing.to_dict()["message"] == "unavailable: the run left no best program"
    assert remeasured_from_dict(missing.to_dict()) == missing
    crashed = remeasured_from_dict({"status": "crash", "speedup": None, "ci_low": None,
                                    "ci_high": None, "message": "killed"})  # fmt: skip
    assert crashed.status is Status.CRASH
    assert analysis_from_dict(RESULT.to_dict()) == RESULT
