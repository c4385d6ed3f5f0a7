"""The report's figures, drawn from ``analysis.json``'s dict as standalone SVG text.

Every function takes the part of the analysis it draws and returns SVG, or None when
there is nothing to draw (the report then shows why the part is unavailable instead).
The SVG is deterministic (no date, fixed id salt), so a report can be compared by diff.
"""

from __future__ import annotations

import io
import math
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from .result import unavailable_reason

TRACK_COLOURS = {"A": "#4c72b0", "B": "#dd8452", "C": "#55a868", "D": "#c44e52"}
OTHER_COLOUR = "#8172b3"
WIDTH, HEIGHT = 6.4, 3.4


def _colour(track: str) -> str:
    return TRACK_COLOURS.get(track, OTHER_COLOUR)


def _speedup_axis(axes: Axes) -> None:
    """A log y axis labelled in plain speedups (1.2x), not powers of ten."""
    axes.set_yscale("log")
    label = FuncFormatter(lambda value, _: f"{value:.3g}x")
    axes.yaxis.set_major_formatter(label)
    axes.yaxis.set_minor_formatter(label)
    axes.tick_params(axis="y", which="minor", labelsize=7)


def _svg(figure: Figure) -> str:
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": "aiopt", "svg.fonttype": "none"}):
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg") :]  # the XML prolog and DOCTYPE do not belong in HTML


def final_scores(runs: list[dict[str, Any]], threshold: float | None) -> str | None:
    """Each run's best speedup by track: re-measured where it was, else the run's own
    (hollow marker), with the task's noise threshold as a line."""
    tracks = sorted({row["track"] for row in runs})
    points: list[tuple[int, float, bool, str]] = []
    for x, track in enumerate(tracks):
        for row in runs:
            if row["track"] != track:
                continue
            again = row.get("remeasured") or {}
            if again.get("speedup"):
                points.append((x, float(again["speedup"]), True, track))
            elif row.get("in_loop_best"):
                points.append((x, float(row["in_loop_best"]), False, track))
    if not points:
        return None
    figure, axes = plt.subplots(figsize=(WIDTH, HEIGHT))
    for x, value, solid, track in points:
        axes.scatter(
            x,
            value,
            s=36,
            facecolors=_colour(track) if solid else "none",
            edgecolors=_colour(track),
        )
    if threshold:
        axes.axhline(threshold, color="grey", linestyle="--", linewidth=1)
        axes.text(len(tracks) - 0.5, threshold, " noise threshold", va="bottom", fontsize=8)
    axes.axhline(1.0, color="black", linewidth=0.6)
    axes.set_xticks(range(len(tracks)), tracks)
    axes.set_xlim(-0.5, len(tracks) - 0.5)
    _speedup_axis(axes)
    axes.set_ylabel("best speedup over the initial program")
    axes.set_title("Final best per run (filled: re-measured; hollow: in-loop)", fontsize=10)
    return _svg(figure)


def trajectories(summary: dict[str, Any], axis: str = "iteration") -> str | None:
    """Best-so-far speedup against ``axis`` for every run, the track's median in bold."""
    runs = summary.get("runs", {})
    if not runs:
        return None
    figure, axes = plt.subplots(figsize=(WIDTH, HEIGHT))
    by_track: dict[str, list[tuple[list[float], list[float]]]] = {}
    for row in runs.values():
        curve = row.get("curve", {})
        xs, ys = curve.get(axis, []), curve.get("best", [])
        if xs and ys:
            by_track.setdefault(row["track"], []).append((list(xs), list(ys)))
            axes.step(xs, ys, where="post", color=_colour(row["track"]), alpha=0.25, linewidth=1)
    if not by_track:
        plt.close(figure)
        return None
    for track, curves in sorted(by_track.items()):
        if axis == "iteration":
            length = max(len(ys) for _, ys in curves)
            medians = []
            for i in range(length):
                values = sorted(ys[min(i, len(ys) - 1)] for _, ys in curves)
                middle = len(values) // 2
                medians.append(
                    values[middle]
                    if len(values) % 2
                    else math.sqrt(values[middle - 1] * values[middle])
                )
            axes.step(
                range(1, length + 1),
                medians,
                where="post",
                color=_colour(track),
                linewidth=2.2,
                label=f"{track} (median of {len(curves)})",
            )
        else:
            axes.plot([], [], color=_colour(track), label=f"{track} ({len(curves)} runs)")
    threshold = summary.get("threshold_speedup")
    if threshold:
        axes.axhline(threshold, color="grey", linestyle="--", linewidth=1)
    _speedup_axis(axes)
    axes.set_xlabel(axis)
    axes.set_ylabel("best speedup so far")
    axes.legend(fontsize=8)
    axes.set_title(f"Improvement trajectories by {axis}", fontsize=10)
    return _svg(figure)


def per_track_bars(values: dict[str, float], ylabel: str, title: str) -> str | None:
    """One bar per track (valid-mutation rate, mean coverage...)."""
    if not values:
        return None
    tracks = sorted(values)
    figure, axes = plt.subplots(figsize=(WIDTH * 0.7, HEIGHT * 0.8))
    axes.bar(tracks, [values[t] for t in tracks], color=[_colour(t) for t in tracks])
    axes.set_ylabel(ylabel)
    axes.set_title(title, fontsize=10)
    return _svg(figure)


def categories(by_track: dict[str, Any]) -> str | None:
    """Mean share of each mutation category per track, as a heat map."""
    tracks = sorted(t for t, row in by_track.items() if unavailable_reason(row) is None)
    if not tracks:
        return None
    labels = list(by_track[tracks[0]])
    shown = [label for label in labels if any(by_track[t].get(label, 0) > 0 for t in tracks)]
    if not shown:
        return None
    grid = [[float(by_track[t].get(label, 0.0)) for t in tracks] for label in shown]
    figure, axes = plt.subplots(figsize=(WIDTH * 0.8, 0.3 * len(shown) + 1.2))
    image = axes.imshow(grid, cmap="Blues", vmin=0.0, vmax=1.0, aspect="auto")
    axes.set_xticks(range(len(tracks)), tracks)
    axes.set_yticks(range(len(shown)), [label.replace("_", " ") for label in shown])
    for i, row in enumerate(grid):
        for j, value in enumerate(row):
            axes.text(
                j,
                i,
                f"{value:.2f}",
                ha="center",
                va="center",
                fontsize=7,
                color="white" if value > 0.6 else "black",
            )
    figure.colorbar(image, ax=axes, label="mean share of a run's accepted mutations")
    axes.set_title("Mutation categories (SysGPT) by track", fontsize=10)
    return _svg(figure)


def performance_profiles(across: dict[str, Any]) -> str | None:
    """Across tasks: the share of runs whose re-measured speedup exceeds tau."""
    rows = {t: v for t, v in across.items() if "performance_profile" in v}
    if not rows:
        return None
    figure, axes = plt.subplots(figsize=(WIDTH, HEIGHT))
    for track, row in sorted(rows.items()):
        profile = row["performance_profile"]
        axes.step(
            profile["taus"],
            profile["share_above"],
            where="post",
            color=_colour(track),
            label=f"{track} ({row['runs']} runs)",
        )
    axes.set_xscale("log")
    axes.set_ylim(0.0, 1.05)
    axes.set_xlabel("speedup tau")
    axes.set_ylabel("share of runs above tau")
    axes.legend(fontsize=8)
    axes.set_title("Performance profiles across tasks (re-measured)", fontsize=10)
    return _svg(figure)
