"""Each run's best program measured again after the run, against the task's initial
program, with the interleaved ``compare``: the in-loop figure was one measurement of the
program that won a selection over many, so it is biased upwards (the winner's curse).

Re-measurements are kept in ``ANALYSIS/remeasured.json`` by the SHA-256 of the best
program and the budget, so a second ``aiopt analyze`` does not measure again."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..common.files import write_atomically
from ..evolve.evaluation_record import status_of
from ..measurement.harness import compare
from ..sandbox.verdict import Status
from ..tasks.task import load_task
from .experiment_data import RunData
from .result import UNAVAILABLE, shown


@dataclass(frozen=True)
class Remeasured:
    """A best program measured again; its JSON (``to_dict``) has the status "unavailable"
    when it could not be, and the message says why."""

    status: Status | None  # the comparison's status; None: unavailable (see message)
    speedup: float | None
    ci_low: float | None
    ci_high: float | None
    message: str

    @classmethod
    def unavailable(cls, reason: str) -> Remeasured:
        return cls(None, None, None, None, shown(reason))

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status.value if self.status is not None else UNAVAILABLE,
            "speedup": self.speedup,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "message": self.message,
        }


def remeasured_from_dict(data: Mapping[str, Any]) -> Remeasured:
    """A re-measurement read back from ``remeasured.json`` (or ``analysis.json``'s runs)."""
    status = status_of(data.get("status"))  # None for "unavailable"

    def number(key: str) -> float | None:
        value = data.get(key)
        return float(value) if isinstance(value, int | float) else None

    return Remeasured(
        status, number("speedup"), number("ci_low"), number("ci_high"), str(data.get("message", ""))
    )


def _key(run: RunData, budget: float) -> str | None:
    if run.best_program is None:
        return None
    digest = hashlib.sha256(run.best_program.read_bytes()).hexdigest()
    return f"{run.key.task}:{digest}:{budget:g}"


def remeasure_runs(
    runs: list[RunData],
    cache: Path,
    budget: float,
    say: Callable[[str], None] = print,
) -> dict[str, Remeasured]:
    """Per run name, its best program re-measured (or why it could not be)."""
    stored: dict[str, Any] = {}
    if cache.is_file():
        try:
            stored = json.loads(cache.read_text())
        except ValueError:
            stored = {}
    found: dict[str, Remeasured] = {}
    for number, run in enumerate(runs, 1):
        key = _key(run, budget)
        if key is None:
            found[run.key.name] = Remeasured.unavailable("the run left no best program")
            continue
        if key in stored:
            found[run.key.name] = remeasured_from_dict(stored[key])
            continue
        task = load_task(run.key.task)
        assert run.best_program is not None
        say(f"re-measuring {run.key.name}'s best program ({number}/{len(runs)})")
        result = compare(task.initial, run.best_program, task=task, budget=budget)
        if result.ok and result.speedup is not None:
            measured = Remeasured(
                Status.OK, result.speedup, result.ci_low, result.ci_high, result.message
            )
        elif result.ok:  # an output-metric task: no speedup to re-measure
            measured = Remeasured.unavailable(f"{task.name} is scored by its metric")
        else:
            measured = Remeasured(result.status, None, None, None, result.message)
        found[run.key.name] = measured
        stored[key] = measured.to_dict()
        write_atomically(cache, json.dumps(stored, indent=2) + "\n")
    return found
