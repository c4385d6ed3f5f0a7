"""Where baselines live: one JSON file per machine in the cache
(``baselines/HOSTNAME.json``: the machine's facts and each task's latest baseline), read
by ``aiopt experiment`` (recorded with each experiment) and the analysis. Also their
export as a pytest-benchmark JSON file, for ``pytest-benchmark compare``."""

from __future__ import annotations

import datetime
import importlib.metadata
import json
import platform
import statistics
from pathlib import Path
from typing import Any

from ..common.files import write_atomically
from ..common.machine import machine
from ..common.paths import cache_dir
from .baseline import TaskBaseline


def _version() -> str:
    try:
        return importlib.metadata.version("aiopt-harness")
    except importlib.metadata.PackageNotFoundError:
        return "unavailable: not installed"


def baselines_path() -> Path:
    return cache_dir() / "baselines" / f"{platform.node() or 'this-machine'}.json"


def load_baselines(path: Path | None = None) -> dict[str, Any]:
    """``{"machine": ..., "tasks": {name: summary}}``, empty when none was measured."""
    try:
        data = json.loads((path or baselines_path()).read_text())
    except (OSError, ValueError):
        return {"machine": None, "tasks": {}}
    return data if isinstance(data, dict) and isinstance(data.get("tasks"), dict) else {
        "machine": None, "tasks": {}
    }  # fmt: skip


def save_baselines(results: list[TaskBaseline], path: Path | None = None) -> Path:
    """Adds (or replaces) these tasks' baselines, with the machine's facts now."""
    target = path or baselines_path()
    data = load_baselines(target)
    data["machine"] = machine()
    data["updated"] = datetime.datetime.now(datetime.UTC).isoformat()
    for result in results:
        data["tasks"][result.task] = {**result.summary(), "measured": data["updated"]}
    write_atomically(target, json.dumps(data, indent=2) + "\n")
    return target


def task_thresholds(tasks: list[str], path: Path | None = None) -> dict[str, Any]:
    """Each task's threshold and what it came from, or why there is none (what an
    experiment keeps in ``baselines.json``)."""
    stored = load_baselines(path)
    shown: dict[str, Any] = {"machine": stored.get("machine"), "tasks": {}}
    for task in tasks:
        summary = stored["tasks"].get(task)
        if summary is None:
            shown["tasks"][task] = (
                f"unavailable: no baseline for {task} on this machine (aiopt baseline {task})"
            )
        else:
            shown["tasks"][task] = {k: v for k, v in summary.items() if k != "runs"}
    return shown


def _stats(values: list[float]) -> dict[str, float | int | str]:
    """pytest-benchmark's stats fields over ``values`` (seconds)."""
    ordered = sorted(values)
    q1, median, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
    iqr = q3 - q1
    mean = statistics.mean(ordered)
    stddev = statistics.stdev(ordered) if len(ordered) > 1 else 0.0
    low, high = q1 - 1.5 * iqr, q3 + 1.5 * iqr
    iqr_outliers = sum(1 for v in ordered if v < low or v > high)
    stddev_outliers = sum(1 for v in ordered if v < mean - stddev or v > mean + stddev)
    return {
        "min": ordered[0], "max": ordered[-1], "mean": mean, "stddev": stddev,
        "rounds": len(ordered), "median": median, "iqr": iqr, "q1": q1, "q3": q3,
        "iqr_outliers": iqr_outliers, "stddev_outliers": stddev_outliers,
        "outliers": f"{stddev_outliers};{iqr_outliers}",
        "ld15iqr": min(v for v in ordered if v >= low),
        "hd15iqr": max(v for v in ordered if v <= high),
        "ops": 1.0 / mean if mean else 0.0, "total": sum(ordered), "iterations": 1,
    }  # fmt: skip


def pytest_benchmark_json(results: list[TaskBaseline]) -> dict[str, Any]:
    """The baselines in pytest-benchmark's JSON format: one benchmark per task whose
    rounds are the initial program's median call time in each A/A compare (seconds);
    the threshold and the A/A figures go in ``extra_info``."""
    facts = machine()
    benchmarks = []
    for result in results:
        times = [c.baseline_median_ns / 1e9 for c in result.compares]
        if len(times) < 2:
            continue
        summary = result.summary()
        benchmarks.append(
            {
                "group": "aiopt-baseline",
                "name": f"baseline[{result.task}]",
                "fullname": f"aiopt-baseline::baseline[{result.task}]",
                "params": {"task": result.task},
                "param": result.task,
                "extra_info": {k: v for k, v in summary.items() if k != "runs"},
                "options": {"timer": "aiopt interleaved compare", "budget": result.budget},
                "stats": _stats(times),
            }
        )
    return {
        "machine_info": {
            "node": platform.node(),
            "processor": platform.processor(),
            "machine": platform.machine(),
            "python_implementation": platform.python_implementation(),
            "python_version": platform.python_version(),
            "system": platform.system(),
            "release": platform.release(),
            "cpu": {"brand_raw": facts["cpu_model"], "count": facts["cpus_online"]},
            "aiopt_machine": facts,
        },
        "commit_info": {},
        "benchmarks": benchmarks,
        "datetime": datetime.datetime.now(datetime.UTC).isoformat(),
        # the writer, not a pytest-benchmark release (its compare reads no version)
        "version": f"aiopt-harness {_version()} (pytest-benchmark format)",
    }
