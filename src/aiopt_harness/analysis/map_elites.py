"""MAP-Elites coverage on one fixed grid for all runs of a task.

OpenEvolve bins each feature by the min and max seen within the run, so its cells are not
comparable across runs. Here the grid is fixed per task over every run's correct
children: code lines in ``bins`` equal-width bins between the smallest and largest seen,
and speedup in ``bins`` equal-width bins of log speedup over the same span. A run's
coverage is the share of the grid's cells its correct children fill; its QD score sums,
over filled cells, the best log speedup in the cell, counted from 0 (no gain)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .experiment_data import RunData

BINS = 8


@dataclass(frozen=True)
class Grid:
    lines: tuple[float, float]
    log_speedup: tuple[float, float]
    bins: int

    def cell(self, lines: float, log_speedup: float) -> tuple[int, int]:
        def index(value: float, span: tuple[float, float]) -> int:
            low, high = span
            if high <= low:
                return 0
            return min(self.bins - 1, max(0, int((value - low) / (high - low) * self.bins)))

        return index(lines, self.lines), index(log_speedup, self.log_speedup)


@dataclass(frozen=True)
class Coverage:
    cells: int
    coverage: float
    qd_score: float


def _points(run: RunData) -> list[tuple[float, float]]:
    points = []
    for record in run.records:
        lines, speedup = record.code_lines, record.speedup
        if (
            record.ok
            and isinstance(lines, int | float)
            and isinstance(speedup, int | float)
            and speedup > 0
        ):
            points.append((float(lines), math.log(speedup)))
    return points


def fixed_grid(runs: list[RunData], bins: int = BINS) -> Grid | None:
    """The grid over every correct child of ``runs`` (None: no correct child)."""
    points = [p for run in runs for p in _points(run)]
    if not points:
        return None
    lines = [p[0] for p in points]
    logs = [p[1] for p in points]
    return Grid((min(lines), max(lines)), (min(logs), max(logs)), bins)


def coverage(run: RunData, grid: Grid) -> Coverage:
    best: dict[tuple[int, int], float] = {}
    for lines, log_speedup in _points(run):
        cell = grid.cell(lines, log_speedup)
        best[cell] = max(best.get(cell, -math.inf), log_speedup)
    total = grid.bins * grid.bins
    return Coverage(len(best), len(best) / total, sum(max(0.0, v) for v in best.values()))
