"""``aiopt baseline``: this machine's noise, per task, as a significance threshold.

For each task, ``compares`` A/A compares of the initial program: against itself, and
against layout-shifted builds of itself (``layout_variants``), alternating. Each gives a
speedup whose true value is 1. The threshold is the 95th percentile of |log speedup| over
them: a measured improvement counts only beyond it (``threshold_speedup`` = e**threshold).
Also recorded: how often the 95% interval missed 1.0 (its A/A false-positive rate), the
interval's half-width, seconds per compare, and the initial program's median call time
per compare (the pytest-benchmark export's rounds).
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..common.scratch import scratch_directory
from ..measurement.harness import compare
from ..tasks.task import load_task
from .layout_variants import layout_shifted

LAYOUT_SHIFTS = 5  # shifts of 64..320 bytes, in turn
THRESHOLD_QUANTILE = 0.95


@dataclass(frozen=True)
class AACompare:
    kind: str  # "same" or "layout"
    speedup: float
    ci_low: float
    ci_high: float
    seconds: float
    baseline_median_ns: float


@dataclass
class TaskBaseline:
    task: str
    budget: float
    compares: list[AACompare] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def log_speedups(self) -> list[float]:
        return [abs(math.log(c.speedup)) for c in self.compares if c.speedup > 0]

    def threshold(self) -> float | None:
        """The 95th percentile of |log speedup| (None below 20 compares: too few)."""
        values = sorted(self.log_speedups)
        if len(values) < 20:
            return None
        return float(statistics.quantiles(values, n=100, method="inclusive")[94])

    def summary(self) -> dict[str, Any]:
        threshold = self.threshold()
        misses = [c for c in self.compares if not c.ci_low <= 1.0 <= c.ci_high]
        widths = [(c.ci_high - c.ci_low) / 2 for c in self.compares]
        return {
            "task": self.task,
            "compares": len(self.compares),
            "budget_seconds": self.budget,
            "threshold_log_speedup": threshold,
            "threshold_speedup": math.exp(threshold) if threshold is not None else None,
            "threshold_note": None if threshold is not None else
            f"unavailable: {len(self.compares)} compares, at least 20 are needed",
            "false_positive_rate": len(misses) / len(self.compares) if self.compares else None,
            "median_half_width": statistics.median(widths) if widths else None,
            "seconds_per_compare": statistics.mean(c.seconds for c in self.compares)
            if self.compares else None,
            "failures": self.failures,
            "runs": [asdict(c) for c in self.compares],
        }  # fmt: skip


def measure_baseline(
    task_name: str,
    compares: int = 20,
    budget: float = 1.0,
    say: Callable[[str], None] = print,
) -> TaskBaseline:
    """Runs the task's A/A compares (see the module docstring)."""
    task = load_task(task_name)
    result = TaskBaseline(task.name, budget)
    source = task.initial.read_text()
    with scratch_directory("baseline") as directory:
        shifted = []
        for k in range(1, LAYOUT_SHIFTS + 1):
            path = Path(directory) / f"shift{k}.cpp"
            path.write_text(layout_shifted(source, k))
            shifted.append(path)
        for number in range(compares):
            kind = "same" if number % 2 == 0 else "layout"
            candidate = task.initial if kind == "same" else shifted[(number // 2) % LAYOUT_SHIFTS]
            started = time.monotonic()
            outcome = compare(task.initial, candidate, task=task, budget=budget)
            seconds = time.monotonic() - started
            if not outcome.ok or outcome.speedup is None or outcome.ci_low is None:
                result.failures.append(f"{kind}: {outcome.status.value}: {outcome.message}")
                say(f"{task.name} A/A {number + 1}/{compares} ({kind}): {outcome.status.value}")
                continue
            assert outcome.ci_high is not None and outcome.baseline_time_ns is not None
            result.compares.append(
                AACompare(
                    kind,
                    outcome.speedup,
                    outcome.ci_low,
                    outcome.ci_high,
                    seconds,
                    outcome.baseline_time_ns.median,
                )
            )
            say(
                f"{task.name} A/A {number + 1}/{compares} ({kind}): speedup "
                f"{outcome.speedup:.4f} [{outcome.ci_low:.4f}, {outcome.ci_high:.4f}]"
            )
    return result
