"""What the analysis reads from an experiment directory (``experiment/layout.py``): the
spec, each run's state, its per-iteration records (``iterations.jsonl``, failures
included), its summary and best program, and each task's noise threshold as the
experiment recorded it (``baselines.json``, from ``aiopt baseline``)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..evolve.iteration_log import latest_per_iteration
from ..evolve.iteration_record import IterationRecord, read_iterations
from ..evolve.run_summary import RunSummary, read_summary
from ..experiment.layout import ExperimentDir, RunStatus
from ..experiment.spec import ExperimentSpec, RunKey
from ..tasks.task import Task, load_task
from .result import reason_in_text


@dataclass(frozen=True)
class TrajectoryPoint:
    """One iteration of a run: its cumulative cost and its child's in-loop speedup."""

    iteration: int
    tokens: int  # prompt + completion tokens of the run up to and including this iteration
    seconds: float  # wall seconds of the run's iterations up to and including this one
    speedup: float | None  # the child's in-loop speedup; None: no correct child


@dataclass(frozen=True)
class RunData:
    key: RunKey
    profile: bool
    state: RunStatus
    directory: Path
    records: tuple[IterationRecord, ...]  # one per iteration, ordered
    summary: RunSummary | None  # summary.json (None: the run never finished)
    best_program: Path | None

    @property
    def in_loop_best(self) -> float | None:
        """The best speedup the run's own evaluations measured (each measured once)."""
        value = self.summary.best_speedup if self.summary is not None else None
        return value if value is not None and math.isfinite(value) else None

    def trajectory(self) -> list[TrajectoryPoint]:
        points, tokens, seconds = [], 0, 0.0
        for record in self.records:
            iteration = record.iteration
            if not isinstance(iteration, int):
                continue
            tokens += record.tokens
            spent = record.iteration_seconds
            seconds += float(spent) if isinstance(spent, int | float) else 0.0
            speedup = record.speedup
            value = float(speedup) if record.ok and isinstance(speedup, int | float) else None
            points.append(TrajectoryPoint(iteration, tokens, seconds, value))
        return points


@dataclass(frozen=True)
class ExperimentData:
    root: Path
    spec: ExperimentSpec
    runs: tuple[RunData, ...]
    thresholds: dict[str, float | None]  # per task: the threshold speedup, None: unmeasured
    threshold_unavailable: dict[str, str]  # per task without a threshold: why

    def task(self, name: str) -> Task:
        return load_task(name)

    def runs_of(self, task: str, track: str) -> list[RunData]:
        return [r for r in self.runs if r.key.task == task and r.key.track == track]


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _records(path: Path) -> list[IterationRecord]:
    records = latest_per_iteration(read_iterations(path))
    records.sort(key=lambda r: (not isinstance(r.iteration, int), r.iteration or 0))
    return records


def _thresholds(
    root: Path, tasks: tuple[str, ...]
) -> tuple[dict[str, float | None], dict[str, str]]:
    stored = (_read_json(root / "baselines.json") or {}).get("tasks", {})
    values: dict[str, float | None] = {}
    reasons: dict[str, str] = {}
    for task in tasks:
        entry = stored.get(task)
        value = entry.get("threshold_speedup") if isinstance(entry, dict) else None
        if isinstance(value, int | float) and value >= 1.0:
            values[task] = float(value)
        else:
            values[task] = None
            # baselines.json says why in a string "unavailable: REASON" (noise/store.py)
            reasons[task] = reason_in_text(entry) or (
                entry
                if isinstance(entry, str)
                else f"no noise threshold recorded for {task} in baselines.json"
            )
    return values, reasons


def load_experiment(root: Path) -> ExperimentData:
    """Reads the experiment at ``root`` (raises SpecError when it is not one)."""
    experiment = ExperimentDir(root)
    spec = experiment.spec()
    runs = []
    for key in spec.runs():
        state = experiment.state(key)
        best = state.directory / "best_program.cpp"
        runs.append(
            RunData(
                key=key,
                profile=spec.track(key.track).profile,
                state=state.state,
                directory=state.directory,
                records=tuple(_records(state.directory / "iterations.jsonl")),
                summary=read_summary(state.directory),
                best_program=best if best.is_file() else None,
            )
        )
    thresholds, notes = _thresholds(root, spec.tasks)
    return ExperimentData(root, spec, tuple(runs), thresholds, notes)
