"""The counters section: perf_event deltas per call from the measurement, with derived
figures where their events exist. Never estimates a missing event."""

from __future__ import annotations

from typing import Any

from .context import ProfileContext
from .fault_probe import grouped_page_faults_lost
from .section import ProfileSection, unavailable

# (figure, numerator, denominator, scale): a ratio is reported only if both events exist.
DERIVED = (
    ("instructions per cycle", "instructions", "cycles", 1.0),
    ("branch mispredicts per 100 branches", "branch-misses", "branches", 100.0),
    ("cache misses per 1000 instructions", "cache-misses", "instructions", 1000.0),
    ("L1D load misses per 1000 instructions", "L1-dcache-load-misses", "instructions", 1000.0),
    ("cache misses per 100 cache references", "cache-misses", "cache-references", 100.0),
)


def _values(counters: dict[str, Any]) -> dict[str, float]:
    return {
        name: float(entry["value"])
        for name, entry in counters.items()
        if entry.get("available") and entry.get("value") is not None
    }


PAGE_FAULTS = "page-faults"
FAULTS_LOST = (
    "unavailable: this kernel loses page faults in a counter group led by task-clock "
    "(tested now: fresh pages counted short); the page_faults section counts them with "
    "perf record"
)


def run(ctx: ProfileContext) -> ProfileSection:
    measurement = ctx.measurement
    counters = measurement.get("counters")
    time_ns = measurement.get("time_ns")
    if not counters or not time_ns:
        return unavailable("counters", "no measurement with counters was made")
    values = _values(counters)
    figures: dict[str, float | int | str] = {"calls": int(time_ns["n"])}
    # Only a group led by task-clock loses them (the default group is led by page-faults):
    # the counters come in their groups' order, so task-clock before page-faults is such
    # a group (or an earlier one)
    order = list(counters)
    led_by_task_clock = (
        PAGE_FAULTS in values
        and "task-clock" in values
        and order.index("task-clock") < order.index(PAGE_FAULTS)
    )
    faults_lost = led_by_task_clock and grouped_page_faults_lost()
    for name, value in values.items():
        if name == PAGE_FAULTS and faults_lost:
            figures[f"{name} per call"] = FAULTS_LOST
        elif name == "task-clock":  # nanoseconds
            figures["task-clock per call"] = f"{value / 1e6:.3f} ms"
        else:
            figures[f"{name} per call"] = value
    for figure, numerator, denominator, scale in DERIVED:
        if numerator in values and denominator in values and values[denominator] > 0:
            figures[figure] = scale * values[numerator] / values[denominator]
    notes = []
    if "task-clock" in values:
        share = values["task-clock"] / float(time_ns["median"])
        notes.append(
            f"task-clock is {share:.0%} of the median wall time of a call "
            f"({values['task-clock'] / 1e6:.3f} ms of {float(time_ns['median']) / 1e6:.3f} ms)"
        )
    missing = {
        name: str(entry.get("reason", ""))
        for name, entry in counters.items()
        if not entry.get("available")
    }
    for reason in sorted(set(missing.values())):
        names = ", ".join(name for name, why in missing.items() if why == reason)
        notes.append(f"unavailable: {names}: {reason}")
    return ProfileSection(
        "counters",
        True,
        label="perf_event counters of the measuring thread, median delta per aiopt_run call",
        figures=figures,
        notes=notes,
    )
