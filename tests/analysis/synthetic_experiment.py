"""Synthetic experiment directories with known answers, written as ``aiopt experiment``
writes them (spec.toml, baselines.json, runs/RUN/{run.json, iterations.jsonl,
summary.json, best_program.cpp}), for the analysis tests. Not a real run: every figure
in it is chosen by the test."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from aiopt_harness.tasks.task import load_task

TRACKS = {"A": False, "B": False, "C": True, "D": True}  # name: profile


@dataclass
class SyntheticRun:
    track: str
    seed: int
    best: float  # the run's in-loop best speedup (summary.json)
    # per iteration: (outcome, speedup or None, changed); the child code gets a new line
    iterations: list[tuple[str, float | None, bool]] = field(default_factory=list)
    mutation: str = "  // a change\n"  # what each accepted child adds to its parent


def _spec(
    tasks: list[str],
    seeds: list[int],
    iterations: int,
    margin: float | None,
    tracks: dict[str, bool],
) -> str:
    lines = [
        'name = "synthetic"',
        'output = "."',
        f"tasks = {json.dumps(tasks)}",
        f"seeds = {json.dumps(seeds)}",
        f"iterations = {iterations}",
    ]
    if margin is not None:
        lines += ["", "[analysis]", f"equivalence_margin = {margin}"]
    for name, profile in tracks.items():
        lines += ["", f"[tracks.{name}]", 'llm = "embedded"', f"profile = {str(profile).lower()}"]
    return "\n".join(lines) + "\n"


def write_experiment(
    root: Path,
    runs: list[SyntheticRun],
    task: str = "matmul",
    iterations: int = 4,
    margin: float | None = 1.05,
    threshold: float | None = 1.02,
    tracks: dict[str, bool] | None = None,
) -> Path:
    tracks = tracks or {name: TRACKS[name] for name in sorted({r.track for r in runs})}
    seeds = sorted({r.seed for r in runs})
    root.mkdir(parents=True, exist_ok=True)
    (root / "spec.toml").write_text(_spec([task], seeds, iterations, margin, tracks))
    baselines = {
        "machine": None,
        "tasks": {
            task: (
                {"threshold_speedup": threshold}
                if threshold is not None
                else f"unavailable: no baseline for {task} on this machine"
            )
        },
    }
    (root / "baselines.json").write_text(json.dumps(baselines))
    initial = load_task(task).initial.read_text()
    for run in runs:
        directory = root / "runs" / f"{task}-{run.track}-s{run.seed}"
        directory.mkdir(parents=True)
        (directory / "run.json").write_text(
            json.dumps({"task": task, "track": run.track, "seed": run.seed, "state": "done"})
        )
        records, parent_code, parent_id = [], initial, "initial"
        for number, (outcome, speedup, changed) in enumerate(run.iterations, 1):
            child_code = (
                parent_code.replace("// EVOLVE-BLOCK-END", f"{run.mutation}// EVOLVE-BLOCK-END")
                if changed
                else parent_code
            )
            record = {
                "iteration": number,
                "outcome": outcome,
                "changed": changed,
                "valid": outcome == "ok" and changed,
                "speedup": speedup,
                "child_id": f"{run.track}{run.seed}-{number}",
                "parent_id": parent_id,
                "parent_code": parent_code,
                "child_code": child_code,
                "code_lines": child_code.count("\n"),
                "prompt_tokens": 100,
                "completion_tokens": 50,
                "iteration_seconds": 10.0,
                "prompt_profile": "cache-misses 12% in multiply" if TRACKS.get(run.track) else None,
                "timestamp": float(number),
            }
            records.append(record)
            if record["valid"]:
                parent_code, parent_id = child_code, record["child_id"]
        (directory / "iterations.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
        (directory / "summary.json").write_text(json.dumps({"best_speedup": run.best}))
        (directory / "best_program.cpp").write_text(parent_code)
    return root
