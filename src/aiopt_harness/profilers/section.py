"""What every profiler returns: a section of phenomena, or the reason there is none."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class LineHotspot:
    """One line of the candidate's source and what a profiler measured on it.

    ``metrics`` holds the profiler's own figures (e.g. ``{"Ir": 1.2e6, "D1mr": 3e4}`` or
    ``{"share": 0.41}``); ``rank_value`` is the figure the section is ranked by.
    """

    line: int
    source: str
    metrics: dict[str, float]
    rank_value: float

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "source": self.source, "metrics": dict(self.metrics)}


@dataclass
class ProfileSection:
    """One profiler's result. Unavailable sections carry only ``reason``."""

    profiler: str  # counters | simulated | sampling | causal | offcpu
    available: bool
    reason: str = ""  # why it is unavailable
    label: str = ""  # how the figures were obtained, e.g. "simulated by valgrind cachegrind"
    figures: dict[str, float | int | str] = field(default_factory=dict)  # whole-run figures
    hotspots: list[LineHotspot] = field(default_factory=list)  # ranked, most important first
    notes: list[str] = field(default_factory=list)  # phenomena in words (e.g. causal curves)
    seconds: float = 0.0  # how long the profiler took
    # sections made from the same run (e.g. page faults from sampling's perf recording):
    # profile() lists them beside this one
    subsections: dict[str, ProfileSection] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        if not self.available:
            return {"available": False, "reason": self.reason, "seconds": self.seconds}
        return {
            "available": True,
            "label": self.label,
            "figures": dict(self.figures),
            "hotspots": [hotspot.to_dict() for hotspot in self.hotspots],
            "notes": list(self.notes),
            "seconds": self.seconds,
        }


def unavailable(profiler: str, reason: str, seconds: float = 0.0) -> ProfileSection:
    return ProfileSection(profiler, False, reason=reason, seconds=seconds)
