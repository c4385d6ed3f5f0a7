"""Case studies: the largest improvements found only with profiler feedback.

An improvement is an accepted mutation whose child's in-loop speedup beats its parent's
beyond the task's noise threshold. A profile-on improvement counts as found only with
feedback when one of its category labels labels no improvement of the task's profile-off
runs. The largest of them (by in-loop gain) are shown with their diff, the profile
artifact the LLM saw in that iteration's prompt, and the gain re-measured by an
interleaved compare of the child against its parent."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..common.scratch import scratch_directory
from ..measurement.harness import compare
from ..sandbox.verdict import Status
from ..tasks.task import load_task
from .experiment_data import RunData
from .result import unavailable


@dataclass(frozen=True)
class Improvement:
    run: str
    track: str
    profile: bool
    iteration: int
    gain: float  # in-loop: child speedup / parent speedup
    labels: frozenset[str]
    diff: str
    profile_artifact: str | None
    parent_code: str
    child_code: str


def improvements(
    run: RunData,
    threshold: float,
    labels_of: Mapping[tuple[str, int], frozenset[str]],
    diffs: Mapping[tuple[str, int], str],
) -> list[Improvement]:
    """The run's accepted mutations that beat their parent beyond ``threshold``."""
    speedups: dict[str, float] = {}
    for record in run.records:
        if record.ok and isinstance(record.speedup, int | float):
            speedups[str(record.child_id)] = float(record.speedup)
    found = []
    for record in run.records:
        iteration = record.iteration
        if not isinstance(iteration, int) or not record.valid:
            continue
        key = (run.key.name, iteration)
        if key not in labels_of:
            continue
        child = speedups.get(str(record.child_id))
        parent = speedups.get(str(record.parent_id), 1.0)  # not a child: the initial
        if child is None or parent <= 0 or child / parent <= threshold:
            continue
        found.append(
            Improvement(
                run.key.name,
                run.key.track,
                run.profile,
                iteration,
                child / parent,
                labels_of[key],
                diffs[key],
                record.prompt_profile,
                str(record.parent_code),
                str(record.child_code),
            )
        )
    return found


def only_with_feedback(found: Sequence[Improvement]) -> list[Improvement]:
    """Profile-on improvements with a label no profile-off improvement has, largest first."""
    off_labels = {label for item in found if not item.profile for label in item.labels}
    chosen = [i for i in found if i.profile and i.labels - off_labels]
    return sorted(chosen, key=lambda i: i.gain, reverse=True)


def remeasured_gain(task: str, item: Improvement, budget: float) -> dict[str, Any]:
    """compare(parent, child): the gain measured again, interleaved, or why not."""
    with scratch_directory("case") as scratch:
        parent, child = Path(scratch) / "parent.cpp", Path(scratch) / "child.cpp"
        parent.write_text(item.parent_code)
        child.write_text(item.child_code)
        result = compare(parent, child, task=load_task(task), budget=budget)
    if not result.ok or result.speedup is None:
        return {"status": result.status.value, **unavailable(result.message)}
    return {
        "status": Status.OK.value,
        "speedup": result.speedup,
        "interval": [result.ci_low, result.ci_high],
    }


def case_studies(
    task: str,
    found: Sequence[Improvement],
    limit: int,
    budget: float | None,
    say: Callable[[str], None] = print,
) -> list[dict[str, Any]]:
    studies = []
    for item in only_with_feedback(found)[:limit]:
        if budget is None:
            again: dict[str, Any] = unavailable("re-measurement was turned off")
        else:
            say(f"re-measuring case study {item.run} iteration {item.iteration}")
            again = remeasured_gain(task, item, budget)
        studies.append(
            {
                "run": item.run,
                "track": item.track,
                "iteration": item.iteration,
                "in_loop_gain": item.gain,
                "labels": sorted(item.labels),
                "diff": item.diff,
                "profile_artifact": item.profile_artifact,
                "remeasured_gain": again,
            }
        )
    return studies
