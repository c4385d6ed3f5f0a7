"""The summary of one ``aiopt evolve`` run (``summary.json`` in its output directory), as
a typed record: built from the run's iteration records, written as JSON at the end of
the run (``write_summary``), read back through ``read_summary`` (the experiment's
runner and status, the analysis), printed by ``format_summary``.

The JSON is the format runs have always written, keys in the same order; a summary of an
older run, without the keys added since (constrained, answers_*, tokens, budget_spent),
reads with those at their empty values.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..common.files import write_atomically
from ..sandbox.verdict import Status
from .evaluation_record import Metrics, status_of
from .iteration_log import OUTCOME_BUDGET_SPENT, outcome_counts
from .iteration_record import IterationRecord

SUMMARY = "summary.json"  # in the run's output directory


@dataclass(frozen=True)
class RunSummary:
    task: str
    profile: bool
    seed: int
    iterations: int  # asked for
    iterations_logged: int
    outcomes: dict[str, int]  # iterations per outcome (a status, or why there was no child)
    valid: int  # correct and different from its parent; a correct copy is not a change
    correct_copies: int
    invalid: int  # iterations without a correct child
    repaired: int  # iterations asked again after a failed first answer
    repaired_valid: int
    constrained: bool = False
    answers_asked: int = 0  # constrained: answers asked, passed the filter, filtered out
    answers_passed: int = 0
    answers_filtered: dict[str, int] = field(default_factory=dict)  # by reason
    tokens: int = 0  # prompt + completion tokens of the run's iterations
    budget_spent: int = 0  # iterations that asked nothing: the track's budget was spent
    error: str | None = None  # why OpenEvolve stopped early
    best_score: float = 0.0
    best_speedup: float | None = None  # None: no program was measured
    best_ci_low: float | None = None
    best_ci_high: float | None = None
    best_status: Status | None = None
    best_program: str | None = None  # the path of best_program.cpp
    seconds: float = 0.0

    @property
    def complete(self) -> bool:
        """Every iteration asked for is in the log (a run whose LLM produced no usable
        program is still complete: an outcome of the experiment)."""
        return self.iterations_logged >= self.iterations

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["best_status"] = self.best_status.value if self.best_status is not None else None
        return data


def sample_counts(records: list[IterationRecord]) -> tuple[int, int, dict[str, int]]:
    """Answers asked, passed and filtered out (by reason) over a constrained run."""
    filtered: dict[str, int] = {}
    for record in records:
        for reason, count in ((record.samples or {}).get("filtered") or {}).items():
            filtered[reason] = filtered.get(reason, 0) + int(count)
    asked = sum(int((r.samples or {}).get("asked") or 0) for r in records)
    passed = sum(int((r.samples or {}).get("passed") or 0) for r in records)
    return asked, passed, filtered


@dataclass(frozen=True)
class RunSettings:
    """What a summary says of the run's settings."""

    task: str
    profile: bool
    seed: int
    iterations: int
    constrained: bool


def summarize(
    run: RunSettings,
    records: list[IterationRecord],
    best: Metrics | None,
    best_score: float,
    best_program: str | None,
    error: str | None,
    seconds: float,
) -> RunSummary:
    """The summary of a run from its iteration records (``iteration_log``) and its best
    program's metrics (None: no program was measured)."""
    asked, passed, filtered = sample_counts(records)
    return RunSummary(
        task=run.task,
        profile=run.profile,
        seed=run.seed,
        iterations=run.iterations,
        iterations_logged=len(records),
        outcomes=outcome_counts(records),
        valid=sum(1 for r in records if r.valid),
        correct_copies=sum(1 for r in records if r.ok and not r.valid),
        invalid=sum(1 for r in records if not r.ok),
        repaired=sum(1 for r in records if r.repair),
        repaired_valid=sum(1 for r in records if r.repair and r.valid),
        constrained=run.constrained,
        answers_asked=asked,
        answers_passed=passed,
        answers_filtered=filtered,
        tokens=sum(r.tokens for r in records),
        budget_spent=sum(1 for r in records if r.outcome == OUTCOME_BUDGET_SPENT),
        error=error,
        best_score=best_score,
        best_speedup=best.speedup if best is not None else None,
        best_ci_low=best.ci_low if best is not None else None,
        best_ci_high=best.ci_high if best is not None else None,
        best_status=best.status if best is not None else None,
        best_program=best_program,
        seconds=seconds,
    )


def write_summary(output: Path, summary: RunSummary) -> None:
    write_atomically(output / SUMMARY, json.dumps(summary.to_dict(), indent=2) + "\n")


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _counts(value: object) -> dict[str, int]:
    if not isinstance(value, dict):
        return {}
    return {str(k): int(v) for k, v in value.items() if isinstance(v, int | float)}


def summary_from_dict(data: Mapping[str, Any]) -> RunSummary:
    """A summary read back from its JSON; missing keys (older runs) take their empty
    values."""

    def integer(key: str) -> int:
        value = data.get(key)
        return int(value) if isinstance(value, int | float) else 0

    error, program = data.get("error"), data.get("best_program")
    return RunSummary(
        task=str(data.get("task", "")),
        profile=bool(data.get("profile", False)),
        seed=integer("seed"),
        iterations=integer("iterations"),
        iterations_logged=integer("iterations_logged"),
        outcomes=_counts(data.get("outcomes")),
        valid=integer("valid"),
        correct_copies=integer("correct_copies"),
        invalid=integer("invalid"),
        repaired=integer("repaired"),
        repaired_valid=integer("repaired_valid"),
        constrained=bool(data.get("constrained", False)),
        answers_asked=integer("answers_asked"),
        answers_passed=integer("answers_passed"),
        answers_filtered=_counts(data.get("answers_filtered")),
        tokens=integer("tokens"),
        budget_spent=integer("budget_spent"),
        error=str(error) if error is not None else None,
        best_score=_number(data.get("best_score")) or 0.0,
        best_speedup=_number(data.get("best_speedup")),
        best_ci_low=_number(data.get("best_ci_low")),
        best_ci_high=_number(data.get("best_ci_high")),
        best_status=status_of(data.get("best_status")),
        best_program=str(program) if program is not None else None,
        seconds=_number(data.get("seconds")) or 0.0,
    )


def read_summary(output: Path) -> RunSummary | None:
    """The summary of the run whose output directory is ``output`` (None: the run never
    finished, or its summary.json is not a JSON object)."""
    try:
        data = json.loads((output / SUMMARY).read_text())
    except (OSError, ValueError):
        return None
    return summary_from_dict(data) if isinstance(data, dict) else None


def format_summary(summary: RunSummary) -> str:
    lines = [
        f"task {summary.task}, profile {'on' if summary.profile else 'off'}, "
        f"seed {summary.seed}: {summary.iterations_logged} of {summary.iterations} "
        f"iterations logged in {summary.seconds:.0f} s",
        f"valid changes {summary.valid} (correct and unlike their parent), correct copies "
        f"{summary.correct_copies}, invalid {summary.invalid}: "
        + ", ".join(f"{kind} {count}" for kind, count in sorted(summary.outcomes.items())),
    ]
    if summary.constrained:
        filtered = summary.answers_filtered
        lines.append(
            f"answers asked {summary.answers_asked}, passed the filter "
            f"{summary.answers_passed}, filtered out "
            + (", ".join(f"{k} {v}" for k, v in sorted(filtered.items())) or "none")
        )
    else:
        lines.append(
            f"asked again after a failed first answer: {summary.repaired} iterations, "
            f"{summary.repaired_valid} of them valid"
        )
    if summary.budget_spent:
        lines.append(
            f"the track's budget was spent: {summary.budget_spent} iterations asked nothing"
        )
    if summary.error:
        lines.append(f"OpenEvolve stopped early: {summary.error}")
    if summary.best_speedup is not None:
        lines.append(
            f"best: speedup {summary.best_speedup:.3f} [{summary.best_ci_low or 0.0:.3f}, "
            f"{summary.best_ci_high or 0.0:.3f}] (score {summary.best_score:.3f}) in "
            f"{summary.best_program}"
        )
    else:
        lines.append("best: no program was measured")
    return "\n".join(lines)
