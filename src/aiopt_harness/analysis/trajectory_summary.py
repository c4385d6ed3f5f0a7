"""Per run and per track: best-so-far curves against iterations, tokens and wall time,
their normalized areas, and iterations to reach fixed targets (fixed-target ECDFs).
An in-loop speedup counts as an improvement only beyond the task's noise threshold."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .experiment_data import RunData
from .result import unavailable
from .trajectories import best_so_far, first_reach, fixed_target_ecdf, normalized_auc

TARGETS = (1.1, 1.5)
AXES = ("iteration", "tokens", "seconds")


def run_curves(run: RunData, threshold: float) -> dict[str, Any] | None:
    """The run's best-so-far curve on every axis (None: no iteration recorded)."""
    points = run.trajectory()
    if not points:
        return None
    best = best_so_far([p.speedup for p in points], threshold)
    return {
        "iteration": [p.iteration for p in points],
        "tokens": [p.tokens for p in points],
        "seconds": [p.seconds for p in points],
        "best": best,
    }


def _x_max(curves: Sequence[dict[str, Any]], axis: str, iterations: int) -> float:
    if axis == "iteration":
        return float(iterations)
    return max((float(c[axis][-1]) for c in curves), default=0.0)


def summarize_task(runs: Sequence[RunData], threshold: float, iterations: int) -> dict[str, Any]:
    """Per run its curves, areas and hitting times; per track the fixed-target ECDFs."""
    curves = {run.key.name: run_curves(run, threshold) for run in runs}
    present = [c for c in curves.values() if c is not None]
    x_max = {axis: _x_max(present, axis, iterations) for axis in AXES}
    per_run: dict[str, Any] = {}
    for run in runs:
        curve = curves[run.key.name]
        if curve is None:
            per_run[run.key.name] = {"track": run.key.track, **unavailable("no iterations")}
            continue
        areas: dict[str, float | None] = {}
        for axis in AXES:
            # before its first point the curve is 1.0 (the initial program)
            xs = [float(x) for x in curve[axis]]
            areas[axis] = (
                normalized_auc(xs, curve["best"], x_max[axis]) if x_max[axis] > 0 else None
            )
        reach = {
            f"{target:g}x": first_reach(
                [float(x) for x in curve["iteration"]], curve["best"], target
            )
            for target in TARGETS
        }
        per_run[run.key.name] = {
            "track": run.key.track,
            "curve": curve,
            "normalized_auc": areas,
            "iterations_to_reach": reach,
        }
    grid = list(range(0, iterations + 1))
    ecdf: dict[str, dict[str, list[float]]] = {}
    for track in sorted({run.key.track for run in runs}):
        rows = [v for v in per_run.values() if v["track"] == track and "curve" in v]
        ecdf[track] = (
            {
                f"{target:g}x": fixed_target_ecdf(
                    [r["iterations_to_reach"][f"{target:g}x"] for r in rows], grid
                )
                for target in TARGETS
            }
            if rows
            else {}
        )
    return {
        "threshold_speedup": threshold,
        "x_max": x_max,
        "runs": per_run,
        "ecdf_grid": grid,
        "ecdf": ecdf,
    }
