"""A run's state (``run.json``) as the ``RunStatus`` enum: written as its string, read
back as the enum, an unknown or missing state read as pending."""

from __future__ import annotations

import json
from pathlib import Path

from aiopt_harness.experiment.layout import ExperimentDir, RunStatus
from aiopt_harness.experiment.spec import RunKey

KEY = RunKey("matmul", "A", 1)


def test_marks_are_written_as_strings_and_read_as_the_enum(tmp_path: Path) -> None:
    experiment = ExperimentDir(tmp_path)
    assert experiment.state(KEY).state is RunStatus.PENDING  # no run.json yet
    experiment.mark(KEY, RunStatus.RUNNING, executor="here")
    state = experiment.state(KEY)
    assert state.state is RunStatus.RUNNING and state.attempts == 1
    experiment.mark(KEY, RunStatus.BUDGET_SPENT, error="spent")
    record = json.loads((experiment.run_dir(KEY) / "run.json").read_text())
    assert record["state"] == "budget_spent" and type(record["state"]) is str
    state = experiment.state(KEY)
    assert state.state is RunStatus.BUDGET_SPENT and state.state.finished
    assert state.seconds() >= 0.0
    assert not RunStatus.FAILED.finished and RunStatus.DONE.finished


def test_an_older_or_unknown_state(tmp_path: Path) -> None:
    directory = ExperimentDir(tmp_path).run_dir(KEY)
    directory.mkdir(parents=True)
    (directory / "run.json").write_text(json.dumps({"state": "done", "attempts": 2,
                                                    "started": 10.0, "ended": 25.0}))  # fmt: skip
    state = ExperimentDir(tmp_path).state(KEY)
    assert state.state is RunStatus.DONE and state.seconds() == 15.0
    (directory / "run.json").write_text(json.dumps({"state": "paused"}))
    assert ExperimentDir(tmp_path).state(KEY).state is RunStatus.PENDING  # run it again
