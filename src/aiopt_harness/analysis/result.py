"""The result of ``aiopt analyze`` as a typed record (``AnalysisResult``), turned into
``analysis.json`` at the edge (``to_dict``) and read back through ``read_analysis``;
the HTML report renders the record.

A figure that could not be computed (too few runs, no valid mutation, no threshold) is
not a blank or a zero: its entry is ``{"unavailable": REASON}`` (``unavailable``), and a
part with a field for it says ``"unavailable": REASON`` beside its other fields (None
when it was computed). ``unavailable_reason`` reads it back, also from the files of
earlier versions, which wrote ``{"note": "unavailable: REASON"}`` instead.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

UNAVAILABLE = "unavailable"
_OLD_PREFIX = "unavailable:"  # how a text says why (an older note, baselines.json)


def unavailable(reason: str) -> dict[str, str]:
    """The entry of a figure that could not be computed, and why."""
    return {UNAVAILABLE: reason}


def unavailable_reason(entry: object) -> str | None:
    """Why ``entry`` (a part of ``analysis.json``) could not be computed; None when it
    was (or ``entry`` is not a part)."""
    if not isinstance(entry, Mapping):
        return None
    reason = entry.get(UNAVAILABLE)
    if isinstance(reason, str):
        return reason
    return reason_in_text(entry.get("note"))


def reason_in_text(text: object) -> str | None:
    """REASON of a text ``unavailable: REASON`` (an older file's note, or a string of
    ``baselines.json``); None for any other text."""
    if isinstance(text, str) and text.startswith(_OLD_PREFIX):
        return text[len(_OLD_PREFIX) :].strip()
    return None


def shown(reason: str) -> str:
    """How a reason reads in the report: ``unavailable: REASON``."""
    return f"{UNAVAILABLE}: {reason}"


@dataclass(frozen=True)
class AnalysisResult:
    """Every figure of one analysis. Its parts are the JSON-ready dicts the analysis
    modules build (their keys are documented there); the report reads them."""

    experiment: str  # the experiment directory
    spec: dict[str, Any]  # name, tasks, seeds, iterations, tracks, equivalence_margin
    runs: list[dict[str, Any]]  # one row per run (in-loop and re-measured best)
    labellers_used: dict[str, int]  # labels given per labeller ("rule", "llm")
    labeller: str  # the category labeller asked
    labeller_agreement: dict[str, Any]  # per labeller, its figures or {"unavailable": ...}
    tasks: dict[str, dict[str, Any]] = field(default_factory=dict)  # per task, its figures
    across_tasks: dict[str, Any] = field(default_factory=dict)  # per track

    def to_dict(self) -> dict[str, Any]:
        return {
            "experiment": self.experiment,
            "spec": self.spec,
            "runs": self.runs,
            "labellers_used": self.labellers_used,
            "labeller": self.labeller,
            "labeller_agreement": self.labeller_agreement,
            "tasks": self.tasks,
            "across_tasks": self.across_tasks,
        }


def _dict(value: object) -> dict[str, Any]:
    return dict(value) if isinstance(value, Mapping) else {}


def analysis_from_dict(data: Mapping[str, Any]) -> AnalysisResult:
    """An ``analysis.json`` read back; parts it lacks are empty."""
    runs = data.get("runs")
    return AnalysisResult(
        experiment=str(data.get("experiment", "")),
        spec=_dict(data.get("spec")),
        runs=[dict(r) for r in runs if isinstance(r, Mapping)] if isinstance(runs, list) else [],
        labellers_used={str(k): int(v) for k, v in _dict(data.get("labellers_used")).items()},
        labeller=str(data.get("labeller", "")),
        labeller_agreement=_dict(data.get("labeller_agreement")),
        tasks=_dict(data.get("tasks")),
        across_tasks=_dict(data.get("across_tasks")),
    )


def analysis_json(result: AnalysisResult) -> str:
    """The text of ``analysis.json``."""
    return json.dumps(result.to_dict(), indent=2) + "\n"


def read_analysis(path: Path) -> AnalysisResult:
    """The ``analysis.json`` at ``path`` (raises OSError or ValueError if it is not one)."""
    data = json.loads(path.read_text())
    if not isinstance(data, dict):
        raise ValueError(f"{path}: not a JSON object")
    return analysis_from_dict(data)
