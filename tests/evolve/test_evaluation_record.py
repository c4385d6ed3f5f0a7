"""``evaluations.jsonl`` and OpenEvolve's metrics as typed records: written and read back
unchanged, older lines and a torn last line read."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from aiopt_harness.evolve.evaluation_record import (
    EvaluationRecord,
    Metrics,
    append_evaluation,
    evaluation_from_dict,
    metrics_from_dict,
    read_evaluations,
)
from aiopt_harness.sandbox.verdict import Status

OK = Metrics(Status.OK, 1.2, 1.25, 1.2, 1.3, confirmed=True, code_lines=14.0)
# A line as the evaluator wrote it before the records were typed (key order included).
WRITTEN = {
    "program": "/tmp/p.cpp",
    "sha256": "ab" * 32,
    "profile": True,
    "seconds": 3.5,
    "stages": {"compile": 0.4, "compare": 2.9},
    "ci_high": 1.3,
    "ci_low": 1.2,
    "code_lines": 14.0,
    "combined_score": 1.2,
    "confirmed": 1.0,
    "correct": 1.0,
    "speedup": 1.25,
    "status": "ok",
    "failure": None,
    "profile_chars": 812,
}


def test_metrics_keep_openevolves_keys_and_plain_values() -> None:
    metrics = OK.to_dict()
    assert list(metrics) == [
        "combined_score", "status", "correct", "speedup", "ci_low", "ci_high", "confirmed",
        "code_lines",
    ]  # fmt: skip
    assert metrics["status"] == "ok" and type(metrics["status"]) is str
    assert metrics_from_dict(metrics) == OK
    with_metric = Metrics(Status.WRONG_OUTPUT, task_metric=("hit_rate", 0.0))
    assert with_metric.to_dict()["hit_rate"] == 0.0 and with_metric.to_dict()["correct"] == 0.0
    assert metrics_from_dict(with_metric.to_dict()) == with_metric


def test_metrics_without_a_known_status_are_none() -> None:
    assert metrics_from_dict({}) is None
    assert metrics_from_dict({"error": 0.0, "timeout": True}) is None  # OpenEvolve's own
    assert metrics_from_dict({"status": "no_such_status"}) is None


def test_a_line_written_before_reads_back_and_writes_the_same_bytes() -> None:
    record = evaluation_from_dict(WRITTEN)
    assert record is not None and record.ok and record.metrics == OK
    assert record.seconds == 3.5 and record.profile_chars == 812 and record.node is None
    assert json.dumps(record.to_dict()) == json.dumps(WRITTEN)


def test_records_round_trip_through_the_file(tmp_path: Path) -> None:
    local = evaluation_from_dict(WRITTEN)
    assert local is not None
    remote = EvaluationRecord(
        "/runs/p.cpp", Metrics(Status.HARNESS_ERROR), "harness_error: ray: lost", driver_seconds=2.0
    )
    node = replace(local, node="n1", host="h", driver_seconds=4.0)
    for record in (local, remote, node):
        append_evaluation(tmp_path, record)
    assert read_evaluations(tmp_path) == [local, remote, node]
    lines = (tmp_path / "evaluations.jsonl").read_text().splitlines()
    assert list(json.loads(lines[2]))[-3:] == ["node", "host", "driver_seconds"]
    assert "seconds" not in json.loads(lines[1])  # no node evaluated it


def test_older_lines_and_a_torn_last_line(tmp_path: Path) -> None:
    older = {k: v for k, v in WRITTEN.items() if k not in ("stages", "profile_chars")}
    older["status"] = "compile_error"
    log = tmp_path / "evaluations.jsonl"
    log.write_text(json.dumps(older) + "\n" + json.dumps(WRITTEN)[:40])
    with log.open("a") as file:  # a line of only what iteration_log reads: no status
        file.write("\n" + json.dumps({"sha256": "cd" * 32, "seconds": 2.5}) + "\n")
    first, bare = read_evaluations(tmp_path)  # the torn line is skipped
    assert first.status is Status.COMPILE_ERROR and not first.ok
    assert first.stages is None and first.profile_chars is None
    assert bare.metrics is None and bare.status is None and bare.seconds == 2.5
