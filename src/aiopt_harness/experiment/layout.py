"""The experiment directory, written by the experiment's driver alone, each file
atomically:

    spec.toml          the spec as run (a later run with another spec is refused)
    versions.json      harness, OpenEvolve, compiler and model versions (first start)
    machine.json       the machine's facts at each start ({"starts": [...]})
    baselines.json     each task's noise threshold on this machine (aiopt baseline), or why
                       there is none
    runs/RUN/          one ``aiopt evolve`` output directory per (task, track, seed)
    runs/RUN/run.json  the run's state (``RunStatus``); attempts; times
"""

from __future__ import annotations

import enum
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..common.files import write_atomically
from ..noise.store import task_thresholds
from .spec import ExperimentSpec, RunKey, SpecError, parse_spec

SPEC = "spec.toml"


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


class RunStatus(enum.StrEnum):
    """Where a run stands (``run.json``'s ``state``)."""

    PENDING = "pending"  # not started
    RUNNING = "running"  # started, or killed while it ran (a resume goes on with it)
    DONE = "done"  # finished, with its summary.json
    FAILED = "failed"  # the harness's fault; run again by the next ``experiment run``
    BUDGET_SPENT = "budget_spent"  # not started: its track's budget was spent

    @property
    def finished(self) -> bool:
        """It ended as the spec says (done, or not started for its track's budget)."""
        return self in (RunStatus.DONE, RunStatus.BUDGET_SPENT)


def _run_status(value: object) -> RunStatus:
    try:
        return RunStatus(str(value))
    except ValueError:
        return RunStatus.PENDING  # a state this harness does not know: run it again


@dataclass(frozen=True)
class RunState:
    key: RunKey
    directory: Path
    state: RunStatus
    attempts: int
    record: dict[str, Any]  # run.json as written by ``ExperimentDir.mark``

    def seconds(self) -> float:
        """Seconds spent in the run: earlier attempts, plus the current one until its
        end or, still running (or killed), until its last write."""
        spent = float(self.record.get("seconds_before", 0.0))
        started = self.record.get("started")
        end = self.record.get("ended", last_activity(self.directory))
        if isinstance(started, int | float) and isinstance(end, int | float) and end >= started:
            spent += float(end) - float(started)
        return spent


class ExperimentDir:
    def __init__(self, root: Path) -> None:
        self.root = root

    def run_dir(self, key: RunKey) -> Path:
        return self.root / "runs" / key.name

    def spec(self) -> ExperimentSpec:
        """The spec the experiment was started with."""
        path = self.root / SPEC
        if not path.is_file():
            raise SpecError(f"{self.root}: not an experiment directory (no {SPEC})")
        spec = parse_spec(path.read_text(), path)
        # the output named inside is relative to the original file: this directory it is
        return _with_output(spec, self.root)

    def start(
        self, spec: ExperimentSpec, versions: dict[str, Any], machine: dict[str, Any]
    ) -> None:
        """Creates the directory, or checks that it belongs to this spec; records the
        versions (first start) and the machine's facts (every start)."""
        self.root.mkdir(parents=True, exist_ok=True)
        kept = self.root / SPEC
        if kept.is_file():
            if kept.read_text() != spec.text:
                raise SpecError(
                    f"{self.root} holds an experiment with another spec ({kept}); a changed "
                    "spec is a new experiment: give it another output directory"
                )
        else:
            write_atomically(kept, spec.text)
        if not (self.root / "versions.json").is_file():
            write_atomically(self.root / "versions.json", json.dumps(versions, indent=2) + "\n")
        elif _read_json(self.root / "versions.json") != versions:
            previous = _read_json(self.root / "versions.json") or {}
            changed = sorted(k for k in versions if previous.get(k) != versions[k])
            versions_log = self.root / "versions-changed.json"
            entries = (_read_json(versions_log) or {}).get("changes", [])
            entries.append({"time": time.time(), "changed": changed, "now": versions})
            write_atomically(versions_log, json.dumps({"changes": entries}, indent=2) + "\n")
        # the tasks' noise thresholds on this machine (aiopt baseline), as they were now
        baselines = task_thresholds(list(spec.tasks))
        write_atomically(self.root / "baselines.json", json.dumps(baselines, indent=2) + "\n")
        starts = (_read_json(self.root / "machine.json") or {}).get("starts", [])
        starts.append({"time": time.time(), **machine})
        write_atomically(
            self.root / "machine.json", json.dumps({"starts": starts}, indent=2) + "\n"
        )

    def state(self, key: RunKey) -> RunState:
        directory = self.run_dir(key)
        record = _read_json(directory / "run.json") or {}
        return RunState(
            key, directory, _run_status(record.get("state", RunStatus.PENDING)),
            int(record.get("attempts", 0)), record,
        )  # fmt: skip

    def mark(self, key: RunKey, state: RunStatus, **fields: Any) -> None:
        directory = self.run_dir(key)
        record = _read_json(directory / "run.json") or {
            "task": key.task, "track": key.track, "seed": key.seed, "attempts": 0,
        }  # fmt: skip
        if state is RunStatus.RUNNING:
            started = record.get("started")
            # an earlier attempt: until its end, or, killed, until its last write
            ended = record.get("ended", last_activity(directory))
            if isinstance(started, float) and isinstance(ended, float) and ended >= started:
                record["seconds_before"] = record.get("seconds_before", 0.0) + ended - started
            record["attempts"] = int(record.get("attempts", 0)) + 1
            record["started"] = time.time()
            record.pop("ended", None)
        else:
            record["ended"] = time.time()
        record.update(fields, state=state.value)
        write_atomically(directory / "run.json", json.dumps(record, indent=2) + "\n")


def last_activity(directory: Path) -> float | None:
    """When a run last wrote to its traces, state or log (None: never): the end of an
    attempt that was killed and could not record its end."""
    files = [
        *(directory / "openevolve").glob("evolution_trace*.jsonl"),
        *(directory / "state").glob("*.jsonl"),
        *(directory / "openevolve" / "logs").glob("*.log"),
    ]
    times = [path.stat().st_mtime for path in files if path.is_file()]
    return max(times) if times else None


def _with_output(spec: ExperimentSpec, root: Path) -> ExperimentSpec:
    from dataclasses import replace

    return replace(spec, output=root)
