"""One machine-readable record per iteration of an OpenEvolve run.

OpenEvolve 0.4.1 writes children to ``evolution_trace.jsonl`` (their metrics carry our
``status``: ok, compile_error, wrong_output, crash, ...) and, with ``include_failures``,
iterations that produced no child to ``evolution_trace_failures.jsonl`` (no diff, SEARCH
mismatch, LLM errors). This module merges both into ``iterations.jsonl``.

A *valid* change is a child that is correct (status ok) and differs from its parent
beyond comments and whitespace (``code_change.differs``).

An iteration whose first answer gave no program that compiles, and that was therefore
asked again (``repair``), carries ``repair``: the problems shown and whether the last
answer was free of them (``repairs.jsonl``, joined by the SHA-256 of the answer).

An iteration of a constrained run (``evolve/sampling.py``) carries ``samples``: how many
answers were asked, how many passed the cheap filter, and how many were filtered out by
reason (``samples.jsonl``, joined the same way).

A resumed run repeats the iterations after its last checkpoint: each iteration keeps its
latest record (``latest_per_iteration``).

Each record is an ``iteration_record.IterationRecord``; ``iterations.jsonl`` is read back
through ``iteration_record.read_iterations``.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any

from ..common.files import write_atomically
from ..common.jsonl import read_jsonl
from ..sandbox.verdict import Status
from .code_change import differs
from .evaluation_record import read_evaluations, status_of
from .iteration_record import IterationRecord

# The outcome of an iteration that asked nothing: the track's budget was spent.
OUTCOME_BUDGET_SPENT = "budget_spent"
# OpenEvolve's error messages (process_parallel.py) -> outcome kinds
ERROR_KINDS = (
    ("No valid diffs found", "no_diff"),
    ("SEARCH/REPLACE delimiter", "malformed_diff"),
    ("SEARCH block(s) matched", "search_mismatch"),
    ("Diff did not change", "no_change"),
    # With enforce_evolve_blocks, a rewritten block equal to the parent's is reported as
    # "All edits were outside the EVOLVE-BLOCK regions": the child is the parent.
    ("All edits were outside the EVOLVE-BLOCK", "no_change"),
    ("EVOLVE-BLOCK markers were changed or removed", "no_block"),
    ("outside the EVOLVE-BLOCK", "outside_evolve_block"),
    ("exceeds maximum length", "too_long"),
    ("track budget spent", OUTCOME_BUDGET_SPENT),  # evolve/spend.py: nothing was asked
    ("LLM generation failed", "llm_error"),
    ("LLM returned None", "llm_error"),
    ("No valid code found", "no_code"),
    ("identical to the parent", "no_change"),
    ("timed out", "timeout"),
)


def classify_error(message: str) -> str:
    for fragment, kind in ERROR_KINDS:
        if fragment in message:
            return kind
    return "other_error"


def _has_profile(record: dict[str, Any]) -> bool:
    """Whether the iteration's prompt held a profile artifact (rendered as ``### profile``)."""
    return _prompt_profile(record) is not None


def _prompt_profile(record: dict[str, Any]) -> str | None:
    """The profile artifact the iteration's prompt held (the parent's), or None."""
    prompt = record.get("prompt") or {}
    user = str(prompt.get("user", "")) if isinstance(prompt, dict) else ""
    start = user.find("### profile\n```\n")
    if start < 0:
        return None
    start += len("### profile\n```\n")
    end = user.find("\n```", start)
    return user[start : end if end >= 0 else len(user)]


def _tokens(record: dict[str, Any]) -> dict[str, int | None]:
    usage = record.get("token_usage") or (record.get("metadata") or {}).get("token_usage") or {}
    if not isinstance(usage, dict):
        usage = {}
    return {
        "prompt_tokens": usage.get("prompt_tokens"),
        "completion_tokens": usage.get("completion_tokens"),
    }


def _changed(trace: dict[str, Any]) -> bool | None:
    parent, child = trace.get("parent_code"), trace.get("child_code")
    if not isinstance(parent, str) or not isinstance(child, str):
        return None  # the parent left the archive before the trace was written
    return differs(parent, child)


def _repair(record: dict[str, Any], repairs: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    answer = record.get("llm_response")
    found = repairs.get(_sha256(answer) or "") if isinstance(answer, str) else None
    if found is None:
        return None
    return {
        "problems": [str(r.get("problem")) for r in found.get("rounds", [])],
        "fixed": bool(found.get("fixed")),
    }


def _samples(record: dict[str, Any], samples: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    answer = record.get("llm_response")
    found = samples.get(_sha256(answer) or "") if isinstance(answer, str) else None
    if found is None:
        return None
    return {
        "asked": int(found.get("asked") or 0),
        "passed": int(found.get("passed") or 0),
        "filtered": dict(found.get("filtered") or {}),
        "budget_stop": found.get("budget_stop"),
    }


def _child_record(trace: dict[str, Any]) -> dict[str, Any]:
    metrics = trace.get("child_metrics") or {}
    outcome = str(metrics.get("status", "unknown"))
    changed = _changed(trace)
    return {
        "iteration": trace.get("iteration"),
        "outcome": outcome,
        "changed": changed,
        "valid": status_of(outcome) is Status.OK and changed is True,
        "child_id": trace.get("child_id"),
        "parent_id": trace.get("parent_id"),
        "combined_score": metrics.get("combined_score"),
        "speedup": metrics.get("speedup"),
        "ci_low": metrics.get("ci_low"),
        "ci_high": metrics.get("ci_high"),
        "failure": (trace.get("artifacts") or {}).get("failure"),
        "prompt_has_profile": _has_profile(trace),
        "prompt_profile": _prompt_profile(trace),
        "iteration_seconds": (trace.get("metadata") or {}).get("iteration_time"),
        "child_sha256": _sha256(trace.get("child_code")),
        "parent_code": trace.get("parent_code"),
        "child_code": trace.get("child_code"),
        "island": trace.get("island_id"),
        "code_lines": metrics.get("code_lines"),  # with speedup: the MAP-Elites features
        "timestamp": trace.get("timestamp"),
        **_tokens(trace),
    }


def _failure_record(failure: dict[str, Any]) -> dict[str, Any]:
    error = str(failure.get("error", ""))
    return {
        "iteration": failure.get("iteration"),
        "outcome": classify_error(error),
        "changed": None,
        "valid": False,
        "error": error,
        "parent_id": failure.get("parent_id"),
        "prompt_has_profile": _has_profile(failure),
        "prompt_profile": _prompt_profile(failure),
        "island": failure.get("island_id"),
        "timestamp": failure.get("timestamp"),
        **_tokens(failure),
    }


def _sha256(code: object) -> str | None:
    return hashlib.sha256(code.encode()).hexdigest() if isinstance(code, str) else None


def merge_iteration_log(
    openevolve_dir: Path,
    output: Path,
    repairs: dict[str, dict[str, Any]] | None = None,
    state_dir: Path | None = None,
    samples: dict[str, dict[str, Any]] | None = None,
) -> list[IterationRecord]:
    """Writes and returns the merged per-iteration records, ordered by iteration.
    ``repairs``: the run's repair journal (``repair.read_journal``); ``samples``: its
    sampling journal (``sampling.read_samples``)."""
    records = read_iteration_records(openevolve_dir, repairs, state_dir, samples)
    write_atomically(output, "".join(json.dumps(r.to_dict()) + "\n" for r in records))
    return records


def _evaluation_seconds(state_dir: Path | None) -> dict[str, float]:
    """Seconds of each evaluation by the SHA-256 of the program (the latest)."""
    found: dict[str, float] = {}
    if state_dir is None:
        return found
    for record in read_evaluations(state_dir):
        if record.sha256 is not None and record.seconds is not None:
            found[record.sha256] = record.seconds
    return found


def _timing(record: dict[str, Any], evaluations: dict[str, float]) -> dict[str, Any]:
    """The evaluation's seconds and the rest of the iteration (the LLM, repair included)."""
    evaluation = evaluations.get(record.get("child_sha256") or "")
    total = record.get("iteration_seconds")
    llm = total - evaluation if isinstance(total, float) and evaluation is not None else None
    return {"evaluation_seconds": evaluation, "llm_seconds": llm}


def read_iteration_records(
    openevolve_dir: Path,
    repairs: dict[str, dict[str, Any]] | None = None,
    state_dir: Path | None = None,
    samples: dict[str, dict[str, Any]] | None = None,
) -> list[IterationRecord]:
    """The per-iteration records of a run (finished or not), ordered by iteration.
    ``state_dir``: the evaluator's state, for each child's evaluation seconds."""
    children = read_jsonl(openevolve_dir / "evolution_trace.jsonl")
    failures = read_jsonl(openevolve_dir / "evolution_trace_failures.jsonl")
    evaluations = _evaluation_seconds(state_dir)
    records = []
    for trace in children:
        record = _child_record(trace)
        records.append(
            IterationRecord(
                **record,
                **_timing(record, evaluations),
                repair=_repair(trace, repairs or {}),
                samples=_samples(trace, samples or {}),
            )
        )
    records += [
        IterationRecord(
            **_failure_record(f),
            repair=_repair(f, repairs or {}),
            samples=_samples(f, samples or {}),
        )
        for f in failures
    ]
    records = latest_per_iteration(records)
    records.sort(key=lambda r: (r.iteration is None, r.iteration or 0))
    return records


def latest_per_iteration(records: list[IterationRecord]) -> list[IterationRecord]:
    """One record per iteration: the latest. A resumed run starts again after its last
    checkpoint and appends to both traces, so an iteration done after that checkpoint,
    before the run stopped, appears twice; the database holds the later one. Records
    without an iteration number (none are expected) are kept as they are."""
    latest: dict[int, IterationRecord] = {}
    others = []
    for record in records:
        iteration = record.iteration
        if not isinstance(iteration, int):
            others.append(record)
            continue
        kept = latest.get(iteration)
        if kept is None or float(record.timestamp or 0) >= float(kept.timestamp or 0):
            latest[iteration] = record
    return [*latest.values(), *others]


def outcome_counts(records: list[IterationRecord]) -> dict[str, int]:
    return dict(Counter(record.outcome for record in records))
