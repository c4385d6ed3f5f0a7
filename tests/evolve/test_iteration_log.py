"""Merging OpenEvolve's success and failure traces (records in OpenEvolve 0.4.1's format)."""

import hashlib
import json
from pathlib import Path

import pytest

from aiopt_harness.evolve.iteration_log import classify_error, merge_iteration_log, outcome_counts
from aiopt_harness.evolve.iteration_record import (
    CHILD_KEYS,
    NO_CHILD_KEYS,
    iteration_from_dict,
    read_iterations,
)
from aiopt_harness.sandbox.verdict import Status

PROFILE_PROMPT = {"system": "s", "user": "## Last Execution Output\n\n### profile\n```\n...\n```"}


def write_jsonl(path: Path, records: list[dict[str, object]]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in records) + '{"cut by a kill')


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        ("No valid diffs found in response", "no_diff"),
        ("Unmatched SEARCH/REPLACE delimiter outside a diff block", "malformed_diff"),
        ("Malformed SEARCH/REPLACE delimiter sequence", "malformed_diff"),
        ("None of the 2 SEARCH block(s) matched the parent program", "search_mismatch"),
        ("Diff did not change the parent program", "no_change"),
        ("LLM generation failed: Connection error.", "llm_error"),
        # a rewritten block equal to the parent's is reported so with enforce_evolve_blocks
        ("All edits were outside the EVOLVE-BLOCK regions", "no_change"),
        ("EVOLVE-BLOCK markers were changed or removed; expected 1 evolve block(s)", "no_block"),
        ("something new", "other_error"),
    ],
)
def test_classify_error(error: str, kind: str) -> None:
    assert classify_error(error) == kind


def test_merge_accounts_for_every_iteration(tmp_path: Path) -> None:
    write_jsonl(
        tmp_path / "evolution_trace.jsonl",
        [
            {
                "iteration": 3,
                "child_id": "c3",
                "parent_id": "p",
                "child_metrics": {"status": "compile_error", "combined_score": 0.0},
                "artifacts": {"failure": "compile_error: x.cpp:3: error"},
                "prompt": PROFILE_PROMPT,
            },
            {
                "iteration": 1,
                "child_id": "c1",
                "parent_id": "p",
                "child_metrics": {
                    "status": "ok",
                    "combined_score": 1.2,
                    "speedup": 1.25,
                    "ci_low": 1.2,
                    "ci_high": 1.3,
                },
                "prompt": {"user": "no artifact"},
            },
        ],
    )
    write_jsonl(
        tmp_path / "evolution_trace_failures.jsonl",
        [
            {
                "iteration": 2,
                "error": "No valid diffs found in response",
                "parent_id": "p",
                "prompt": PROFILE_PROMPT,
            },
        ],
    )
    records = merge_iteration_log(tmp_path, tmp_path / "iterations.jsonl")
    assert [r.iteration for r in records] == [1, 2, 3]
    assert [r.outcome for r in records] == ["ok", "no_diff", "compile_error"]
    assert [r.status for r in records] == [Status.OK, None, Status.COMPILE_ERROR]
    assert [r.prompt_has_profile for r in records] == [False, True, True]
    assert records[2].failure == "compile_error: x.cpp:3: error"
    assert outcome_counts(records) == {"ok": 1, "no_diff": 1, "compile_error": 1}
    written = [json.loads(line) for line in (tmp_path / "iterations.jsonl").open()]
    assert written == [r.to_dict() for r in records]
    assert list(written[0]) == list(CHILD_KEYS) and list(written[1]) == list(NO_CHILD_KEYS)
    assert read_iterations(tmp_path / "iterations.jsonl") == records


def test_missing_traces_give_an_empty_log(tmp_path: Path) -> None:
    assert merge_iteration_log(tmp_path, tmp_path / "iterations.jsonl") == []


def test_a_correct_copy_of_the_parent_is_no_valid_change(tmp_path: Path) -> None:
    parent = "int f(int x) {\n  return x + 1;\n}\n"
    ok = {"status": "ok", "combined_score": 1.0}
    write_jsonl(
        tmp_path / "evolution_trace.jsonl",
        [
            {"iteration": 1, "child_id": "a", "parent_id": "p", "child_metrics": ok,
             "parent_code": parent, "child_code": "int f(int x) { return x + 1; } // same\n",
             "metadata": {"iteration_time": 12.5,
                          "token_usage": {"prompt_tokens": 900, "completion_tokens": 80}}},
            {"iteration": 2, "child_id": "b", "parent_id": "p", "child_metrics": ok,
             "parent_code": parent, "child_code": "int f(int x) { return 1 + x; }\n"},
            {"iteration": 3, "child_id": "c", "parent_id": "p",
             "child_metrics": {"status": "wrong_output"},
             "parent_code": parent, "child_code": "int f(int x) { return x; }\n"},
            {"iteration": 4, "child_id": "d", "parent_id": "gone", "child_metrics": ok,
             "child_code": "int g();\n"},
        ],
    )  # fmt: skip
    records = merge_iteration_log(tmp_path, tmp_path / "iterations.jsonl")
    assert [r.changed for r in records] == [False, True, True, None]
    assert [r.valid for r in records] == [False, True, False, False]
    assert records[0].iteration_seconds == 12.5
    assert (records[0].prompt_tokens, records[0].completion_tokens) == (900, 80)
    assert records[1].prompt_tokens is None


def test_a_resumed_run_keeps_the_latest_record_of_each_iteration(tmp_path: Path) -> None:
    """Resume appends the iterations after the checkpoint again, to either trace."""
    code = "int main() {}\n"
    ok = {"status": "ok"}
    write_jsonl(
        tmp_path / "evolution_trace.jsonl",
        [
            {"iteration": 1, "timestamp": 10.0, "child_id": "a1", "child_code": code,
             "parent_code": code, "prompt": PROFILE_PROMPT, "child_metrics": ok},
            {"iteration": 2, "timestamp": 20.0, "child_id": "a2", "child_metrics": ok},
            {"iteration": 2, "timestamp": 40.0, "child_id": "b2", "child_metrics": ok},
        ],
    )  # fmt: skip
    write_jsonl(
        tmp_path / "evolution_trace_failures.jsonl",
        [
            {"iteration": 3, "timestamp": 30.0, "error": "No valid diffs found"},
            {"iteration": 3, "timestamp": 50.0, "error": "LLM returned None"},
        ],
    )
    (tmp_path / "state").mkdir()
    child_sha = hashlib.sha256(code.encode()).hexdigest()
    (tmp_path / "state" / "evaluations.jsonl").write_text(
        json.dumps({"sha256": child_sha, "seconds": 2.5}) + "\n"
    )
    records = merge_iteration_log(tmp_path, tmp_path / "merged.jsonl", None, tmp_path / "state")
    assert [(r.iteration, r.child_id, r.outcome) for r in records] == [
        (1, "a1", "ok"), (2, "b2", "ok"), (3, None, "llm_error"),
    ]  # fmt: skip
    first = records[0]
    assert first.prompt_profile == "..." and records[1].prompt_profile is None
    assert first.child_code == code and first.evaluation_seconds == 2.5


def test_iterations_of_an_older_run_read_back_with_what_they_have(tmp_path: Path) -> None:
    """Lines written before some keys existed (evaluation_seconds, samples), and a torn
    last line."""
    older_child = {
        "iteration": 1,
        "outcome": "ok",
        "changed": True,
        "valid": True,
        "speedup": 1.3,
        "child_id": "a",
        "prompt_tokens": 5,
    }
    older_failure = {"iteration": 2, "outcome": "timeout", "changed": None, "valid": False,
                     "error": "timed out"}  # fmt: skip
    path = tmp_path / "iterations.jsonl"
    write_jsonl(path, [older_child, older_failure])
    child, failure = read_iterations(path)
    assert child.ok and child.has_child and child.samples is None and child.tokens == 5
    assert child.evaluation_seconds is None and child.to_dict()["speedup"] == 1.3
    # "timeout" without a child is OpenEvolve's timeout, not the evaluation's status
    assert not failure.has_child and failure.status is None and not failure.ok
    assert iteration_from_dict(failure.to_dict()) == failure
