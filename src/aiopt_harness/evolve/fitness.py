"""The fitness (``combined_score``) of an evaluated candidate: conservative, never NaN.

Time tasks: the lower bound of the 95% interval of the speedup against the task's initial
program (the initial program itself scores about 1). A score that would be a new best is
confirmed by an independent second comparison, and the lower of the two lower bounds
counts: OpenEvolve measures a program once and keeps a lucky score forever.
Output-metric tasks: the metric (deterministic), mapped so that higher is better.
Any failure scores 0.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from ..common.locks import exclusive_lock


def safe_score(value: float | None) -> float:
    """A plain, finite, non-negative float (0.0 for None, NaN or infinities)."""
    if value is None or not math.isfinite(value):
        return 0.0
    return max(float(value), 0.0)


def metric_score(value: float, direction: str) -> float:
    """Output-metric fitness: the value when maximizing, 1 / (1 + value) when minimizing."""
    return safe_score(value) if direction == "maximize" else safe_score(1.0 / (1.0 + value))


def confirmed_score(first_low: float, second_low: float | None) -> float:
    """The conservative score of a candidate compared once or twice."""
    if second_low is None:
        return safe_score(first_low)
    return safe_score(min(first_low, second_low))


class BestScore:
    """The best confirmed score of a run, shared by concurrent evaluator processes
    through a file (``best.json``) guarded by an flock."""

    def __init__(self, state_dir: Path) -> None:
        state_dir.mkdir(parents=True, exist_ok=True)
        self.path = state_dir / "best.json"
        self.lock_path = state_dir / "best.lock"

    def read(self) -> float:
        try:
            return float(json.loads(self.path.read_text())["score"])
        except (OSError, ValueError, KeyError, TypeError):
            return 0.0

    def offer(self, score: float, program: str) -> bool:
        """Records ``score`` if it beats the best; returns whether it did."""
        with exclusive_lock(self.lock_path):
            if score <= self.read():
                return False
            temporary = self.path.with_suffix(".tmp")
            temporary.write_text(json.dumps({"score": score, "program": program}))
            temporary.replace(self.path)
            return True
