"""One iteration of an OpenEvolve run as a typed record (a line of ``iterations.jsonl``,
built by ``iteration_log``), turned into JSON by ``to_dict`` and read back through
``read_iterations``.

An iteration either produced a child (its evaluation's status is the outcome, and the
child's figures are set) or did not (``error`` holds OpenEvolve's message and the
outcome says which kind: no_diff, llm_error, ...). The JSON is the format the harness
has always written, each kind with its own keys in the same order; lines of older runs
without some keys read with those None.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..common.jsonl import read_jsonl
from ..sandbox.verdict import Status
from .evaluation_record import status_of

# A child's keys in the order they are written (the iteration's own keys among them).
CHILD_KEYS = (
    "iteration", "outcome", "changed", "valid", "child_id", "parent_id", "combined_score",
    "speedup", "ci_low", "ci_high", "failure", "prompt_has_profile", "prompt_profile",
    "iteration_seconds", "child_sha256", "parent_code", "child_code", "island", "code_lines",
    "timestamp", "prompt_tokens", "completion_tokens", "evaluation_seconds", "llm_seconds",
    "repair", "samples",
)  # fmt: skip
# An iteration without a child: its keys in the order they are written.
NO_CHILD_KEYS = (
    "iteration", "outcome", "changed", "valid", "error", "parent_id", "prompt_has_profile",
    "prompt_profile", "island", "timestamp", "prompt_tokens", "completion_tokens", "repair",
    "samples",
)  # fmt: skip


@dataclass(frozen=True)
class IterationRecord:
    """One iteration. Figures are kept as OpenEvolve and the evaluator gave them (a
    number stays an int or a float as it was)."""

    iteration: int | None
    outcome: str  # the child's status, or why there was no child (iteration_log.ERROR_KINDS)
    valid: bool  # a correct child unlike its parent
    changed: bool | None = None  # the child differs from its parent (None: unknown)
    error: str | None = None  # OpenEvolve's message when there was no child (None: a child)
    parent_id: str | None = None
    prompt_has_profile: bool = False
    prompt_profile: str | None = None  # the profile artifact the prompt held
    island: int | None = None
    timestamp: float | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    repair: dict[str, Any] | None = None  # problems shown and whether the last answer fixed them
    samples: dict[str, Any] | None = None  # a constrained run's answers: asked, passed, filtered
    # the child (None when there was none)
    child_id: str | None = None
    combined_score: float | None = None
    speedup: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    failure: str | None = None  # the evaluation's failure text
    iteration_seconds: float | None = None
    child_sha256: str | None = None
    parent_code: str | None = None
    child_code: str | None = None
    code_lines: float | None = None
    evaluation_seconds: float | None = None
    llm_seconds: float | None = None

    @property
    def has_child(self) -> bool:
        return self.error is None

    @property
    def status(self) -> Status | None:
        """The child's evaluation status (None: no child, or a status this harness does
        not know)."""
        return status_of(self.outcome) if self.has_child else None

    @property
    def ok(self) -> bool:
        """A correct child (changed or not)."""
        return self.status is Status.OK

    @property
    def tokens(self) -> int:
        return int(self.prompt_tokens or 0) + int(self.completion_tokens or 0)

    def to_dict(self) -> dict[str, Any]:
        keys = CHILD_KEYS if self.has_child else NO_CHILD_KEYS
        return {key: getattr(self, key) for key in keys}


def iteration_from_dict(data: Mapping[str, Any]) -> IterationRecord:
    """A line of ``iterations.jsonl`` read back; keys it lacks are None. A line with
    ``error`` (a string) is an iteration without a child."""
    error = data.get("error")
    values: dict[str, Any] = {key: data.get(key) for key in {*CHILD_KEYS, *NO_CHILD_KEYS}}
    values.update(
        outcome=str(data.get("outcome", "unknown")),
        valid=bool(data.get("valid")),
        prompt_has_profile=bool(data.get("prompt_has_profile")),
        error=error if isinstance(error, str) else None,
    )
    return IterationRecord(**values)


def read_iterations(path: Path) -> list[IterationRecord]:
    """The records of an ``iterations.jsonl`` in file order (a line cut by a kill is
    skipped)."""
    return [iteration_from_dict(data) for data in read_jsonl(path)]
