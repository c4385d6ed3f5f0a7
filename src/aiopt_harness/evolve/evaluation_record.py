"""What one evaluation gave, as typed records: ``Metrics`` (what OpenEvolve gets) and
``EvaluationRecord`` (one line of the run's ``evaluations.jsonl``).

Both are turned into JSON only at the edge (``to_dict``) and read back through one
function each (``metrics_from_dict``, ``read_evaluations``). The JSON is the format the
harness has always written: OpenEvolve's metrics keep their keys and plain values (the
status as its string), an evaluation record is the metrics' keys (sorted) beside the
evaluation's own (program, sha256, profile, seconds, stages, failure, profile_chars; a
Ray evaluation adds node, host and driver_seconds).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..common.jsonl import append_jsonl, read_jsonl
from ..sandbox.verdict import Status

EVALUATIONS = "evaluations.jsonl"  # in the run's state directory
# The metric keys of every result, in the order OpenEvolve gets them (an output-metric
# task adds its metric's own name after them).
METRIC_KEYS = (
    "combined_score",
    "status",
    "correct",
    "speedup",
    "ci_low",
    "ci_high",
    "confirmed",
    "code_lines",
)
# An evaluation record's keys beside the metrics'.
RECORD_KEYS = (
    "program",
    "sha256",
    "profile",
    "seconds",
    "stages",
    "failure",
    "profile_chars",
    "node",
    "host",
    "driver_seconds",
)


def status_of(value: object) -> Status | None:
    """The status a stored string names (None: no status this harness knows)."""
    if not isinstance(value, str):
        return None
    try:
        return Status(value)
    except ValueError:
        return None


def _float(value: object) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


@dataclass(frozen=True)
class Metrics:
    """What OpenEvolve gets for one evaluation: the same keys on every result, failures
    too (MAP-Elites features included); every value a plain float except the status."""

    status: Status
    combined_score: float = 0.0
    speedup: float = 0.0  # 0.0 when not compared
    ci_low: float = 0.0
    ci_high: float = 0.0
    confirmed: bool = False  # the score was confirmed by a second comparison
    code_lines: float = 0.0  # non-blank lines of the EVOLVE block
    task_metric: tuple[str, float] | None = None  # an output-metric task's (name, value)

    @property
    def ok(self) -> bool:
        return self.status is Status.OK

    def to_dict(self) -> dict[str, Any]:
        metrics: dict[str, Any] = {
            "combined_score": self.combined_score,
            "status": self.status.value,
            "correct": 1.0 if self.ok else 0.0,
            "speedup": self.speedup,
            "ci_low": self.ci_low,
            "ci_high": self.ci_high,
            "confirmed": 1.0 if self.confirmed else 0.0,
            "code_lines": self.code_lines,
        }
        if self.task_metric is not None:
            metrics[self.task_metric[0]] = self.task_metric[1]
        return metrics


def metrics_from_dict(data: Mapping[str, Any]) -> Metrics | None:
    """The metrics in ``data`` (OpenEvolve's result, a checkpoint's program, a line of
    ``evaluations.jsonl``); None when it holds no status this harness knows (no
    evaluation, or OpenEvolve's own error metrics). A key that is neither a metric's nor
    an evaluation record's, with a number, is the task's metric."""
    status = status_of(data.get("status"))
    if status is None:
        return None
    others = [
        key
        for key, value in data.items()
        if key not in METRIC_KEYS
        and key not in RECORD_KEYS
        and isinstance(value, int | float)
        and not isinstance(value, bool)
    ]
    return Metrics(
        status=status,
        combined_score=_float(data.get("combined_score")),
        speedup=_float(data.get("speedup")),
        ci_low=_float(data.get("ci_low")),
        ci_high=_float(data.get("ci_high")),
        confirmed=_float(data.get("confirmed")) == 1.0,
        code_lines=_float(data.get("code_lines")),
        task_metric=(others[0], float(data[others[0]])) if len(others) == 1 else None,
    )


@dataclass(frozen=True)
class EvaluationRecord:
    """One evaluation as the run's ``evaluations.jsonl`` holds it."""

    program: str  # the candidate's path (on the driver, for a Ray evaluation)
    metrics: Metrics | None  # None: a line without a known status (not one of the harness's)
    failure: str | None = None  # "status: message" of a failed evaluation
    sha256: str | None = None  # of the program's text (None: the file was gone)
    # A local evaluation's own figures (None in the record of a Ray evaluation that
    # failed before any node evaluated it)
    profile: bool | None = None
    seconds: float | None = None
    stages: Mapping[str, float] | None = None  # seconds per stage (compile, check, ...)
    profile_chars: int | None = None
    # A Ray evaluation: where it ran, and the driver's seconds around it
    node: str | None = None
    host: str | None = None
    driver_seconds: float | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)  # keys of a newer harness, kept

    @property
    def status(self) -> Status | None:
        return self.metrics.status if self.metrics is not None else None

    @property
    def ok(self) -> bool:
        return self.metrics is not None and self.metrics.ok

    def to_dict(self) -> dict[str, Any]:
        record: dict[str, Any] = {"program": self.program, "sha256": self.sha256}
        if self.seconds is not None:
            stages = dict(self.stages or {})
            record.update(profile=self.profile, seconds=self.seconds, stages=stages)
        metrics = self.metrics.to_dict() if self.metrics is not None else {}
        record.update({key: metrics[key] for key in sorted(metrics)})
        record["failure"] = self.failure
        if self.profile_chars is not None:
            record["profile_chars"] = self.profile_chars
        shown = {"node": self.node, "host": self.host, "driver_seconds": self.driver_seconds}
        record.update({key: value for key, value in shown.items() if value is not None})
        record.update(self.extra)
        return record


def evaluation_from_dict(data: Mapping[str, Any]) -> EvaluationRecord:
    """An ``evaluations.jsonl`` line read back. Older lines without some of the keys load
    with those left None (the metrics too, without a known status)."""
    metrics = metrics_from_dict(data)
    stages = data.get("stages")
    known = {*METRIC_KEYS, *RECORD_KEYS}
    if metrics is not None and metrics.task_metric is not None:
        known.add(metrics.task_metric[0])

    def text(key: str) -> str | None:
        value = data.get(key)
        return value if isinstance(value, str) else None

    def number(key: str) -> float | None:
        value = data.get(key)
        return float(value) if isinstance(value, int | float) else None

    chars = data.get("profile_chars")
    return EvaluationRecord(
        program=str(data.get("program", "")),
        metrics=metrics,
        failure=text("failure"),
        sha256=text("sha256"),
        profile=data["profile"] if isinstance(data.get("profile"), bool) else None,
        seconds=number("seconds"),
        stages=dict(stages) if isinstance(stages, dict) else None,
        profile_chars=int(chars) if isinstance(chars, int) else None,
        node=text("node"),
        host=text("host"),
        driver_seconds=number("driver_seconds"),
        extra={key: value for key, value in data.items() if key not in known},
    )


def append_evaluation(state_dir: Path, record: EvaluationRecord) -> None:
    append_jsonl(state_dir / EVALUATIONS, record.to_dict())


def read_evaluations(state_dir: Path) -> list[EvaluationRecord]:
    """The run's evaluations in the order they ended (a line cut by a kill is skipped)."""
    return [evaluation_from_dict(data) for data in read_jsonl(state_dir / EVALUATIONS)]
