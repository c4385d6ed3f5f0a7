"""Valid mutations per run and per track: a valid change is a correct child unlike its
parent (``evolve/iteration_log``); every other iteration is counted by its outcome."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .experiment_data import RunData


@dataclass(frozen=True)
class Validity:
    iterations: int
    valid: int
    outcomes: dict[str, int]  # every outcome kind (ok includes unchanged copies)
    unchanged_copies: int  # correct children identical to their parent

    @property
    def rate(self) -> float | None:
        return self.valid / self.iterations if self.iterations else None

    def to_dict(self) -> dict[str, object]:
        return {
            "iterations": self.iterations,
            "valid": self.valid,
            "valid_rate": self.rate,
            "unchanged_copies": self.unchanged_copies,
            "outcomes": dict(sorted(self.outcomes.items())),
        }


def validity(runs: list[RunData]) -> Validity:
    """Counts over every iteration of ``runs``."""
    outcomes: Counter[str] = Counter()
    valid = copies = iterations = 0
    for run in runs:
        for record in run.records:
            iterations += 1
            outcomes[record.outcome] += 1
            valid += record.valid
            copies += record.ok and record.changed is False
    return Validity(iterations, valid, dict(outcomes), copies)
