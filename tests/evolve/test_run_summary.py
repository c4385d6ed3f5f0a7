"""``summary.json`` as a typed record: written in the format runs have always written,
read back unchanged, older and partial summaries read with empty values."""

from __future__ import annotations

import json
from pathlib import Path

from aiopt_harness.evolve.evaluation_record import Metrics
from aiopt_harness.evolve.iteration_record import iteration_from_dict
from aiopt_harness.evolve.run_summary import (
    RunSettings,
    RunSummary,
    format_summary,
    read_summary,
    summarize,
    summary_from_dict,
    write_summary,
)
from aiopt_harness.sandbox.verdict import Status

# The keys of summary.json, in the order run_evolve has written them.
KEYS = [
    "task", "profile", "seed", "iterations", "iterations_logged", "outcomes", "valid",
    "correct_copies", "invalid", "repaired", "repaired_valid", "constrained", "answers_asked",
    "answers_passed", "answers_filtered", "tokens", "budget_spent", "error", "best_score",
    "best_speedup", "best_ci_low", "best_ci_high", "best_status", "best_program", "seconds",
]  # fmt: skip
RECORDS = [
    iteration_from_dict(record)
    for record in [
    {"outcome": "ok", "valid": True, "prompt_tokens": 10, "completion_tokens": 5,
     "repair": {"problems": ["x"], "fixed": True},
     "samples": {"asked": 3, "passed": 1, "filtered": {"compile_error": 2}}},
    {"outcome": "ok", "valid": False, "prompt_tokens": 10, "completion_tokens": None},
    {"outcome": "no_diff", "valid": False, "error": "No valid diffs found",
     "samples": {"asked": 2, "filtered": {"no_change": 2, "compile_error": 1}}},
    {"outcome": "budget_spent", "valid": False, "error": "track budget spent"},
    {"outcome": "wrong_output", "valid": False},
    ]
]  # fmt: skip


def _summary() -> RunSummary:
    return summarize(
        RunSettings("matmul", True, 7, 6, True),
        RECORDS,
        best=Metrics(Status.OK, 1.1, 1.2, 1.1, 1.3),
        best_score=1.1,
        best_program="/out/best_program.cpp",
        error=None,
        seconds=12.5,
    )


def test_counts_from_the_iteration_records() -> None:
    summary = summarize(
        RunSettings("matmul", True, 7, 6, True), RECORDS, None, 0.0, None, "stopped", 1.0
    )
    assert (summary.valid, summary.correct_copies, summary.invalid) == (1, 1, 3)
    assert summary.outcomes == {"ok": 2, "no_diff": 1, "budget_spent": 1, "wrong_output": 1}
    assert (summary.repaired, summary.repaired_valid, summary.budget_spent) == (1, 1, 1)
    assert (summary.answers_asked, summary.answers_passed) == (5, 1)
    assert summary.answers_filtered == {"compile_error": 3, "no_change": 2}
    assert summary.tokens == 25 and not summary.complete
    assert summary.best_speedup is None and summary.best_status is None
    assert "best: no program was measured" in format_summary(summary)


def test_written_and_read_back(tmp_path: Path) -> None:
    summary = _summary()
    write_summary(tmp_path, summary)
    data = json.loads((tmp_path / "summary.json").read_text())
    assert list(data) == KEYS and data["best_status"] == "ok"
    read = read_summary(tmp_path)
    assert read == summary and read is not None and read.best_status is Status.OK
    assert "best: speedup 1.200 [1.100, 1.300] (score 1.100)" in format_summary(read)


def test_an_older_summary_reads_with_empty_values(tmp_path: Path) -> None:
    older = {k: v for k, v in _summary().to_dict().items()
             if k not in ("constrained", "answers_asked", "answers_passed", "answers_filtered",
                          "tokens", "budget_spent")}  # fmt: skip
    (tmp_path / "summary.json").write_text(json.dumps(older))
    read = read_summary(tmp_path)
    assert read is not None and read.best_speedup == 1.2 and read.valid == 1
    assert not read.constrained and read.answers_filtered == {} and read.budget_spent == 0
    assert "asked again after a failed first answer: 1 iterations" in format_summary(read)
    partial = summary_from_dict({"best_speedup": 1.5})  # what the analysis tests write
    assert partial.best_speedup == 1.5 and partial.best_status is None


def test_no_summary_or_a_broken_one_is_none(tmp_path: Path) -> None:
    assert read_summary(tmp_path) is None
    (tmp_path / "summary.json").write_text('{"task": "matmul", "val')  # cut by a kill
    assert read_summary(tmp_path) is None
    (tmp_path / "summary.json").write_text("[1, 2]")
    assert read_summary(tmp_path) is None
