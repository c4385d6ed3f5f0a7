"""What each protocol decides about one A-against-B comparison, and how its samples are
taken through the harness (so the protocols differ only in sampling and decision)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kernels import TASK

from aiopt_harness import compare, measure

# Every protocol gets this share of the same budget of timed calls per decision; blocked
# protocols spend half of it on each program. Counters are off for all of them: time only.
OPTIONS: dict[str, Any] = {"counters": False}


@dataclass(frozen=True)
class Decision:
    """One protocol's answer to "is B faster or slower than A?"."""

    protocol: str
    verdict: str  # "faster", "slower" or "same": the candidate B against the baseline A
    speedup: float  # A's time / B's time, as the protocol estimates it
    half_width: float | None  # relative half-width of its interval; None: it gives none
    seconds: float  # wall time of the whole decision: compiles (cached), processes, calls
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "protocol": self.protocol,
            "verdict": self.verdict,
            "speedup": self.speedup,
            "half_width": self.half_width,
            "seconds": self.seconds,
            "detail": self.detail,
        }


def verdict(different: bool, speedup: float) -> str:
    if not different:
        return "same"
    return "faster" if speedup > 1.0 else "slower"


def per_copy_times(program: Path, budget: float, copies: int) -> list[list[float]]:
    """Per loaded copy (process), its timed calls' wall ns in call order: one ``measure``
    of ``budget`` seconds, pinned, every output checked."""
    result = measure(program, task=TASK, budget=budget, copies=copies, **OPTIONS)
    if not result.ok or result.samples is None:
        raise RuntimeError(f"{program.name}: {result.status.value}: {result.message}")
    by_copy: dict[int, list[float]] = {}
    samples = result.samples
    for copy, wall in zip(samples["copy"].tolist(), samples["wall_ns"].tolist(), strict=True):
        by_copy.setdefault(int(copy), []).append(float(wall))
    return [by_copy[c] for c in sorted(by_copy)]


def interleaved_times(
    a: Path, b: Path, budget: float, copies: int
) -> tuple[Any, list[float], list[float]]:
    """One ``compare`` of A and B (rounds interleaved call by call) and its per-call wall
    ns of A and of B."""
    result = compare(a, b, task=TASK, budget=budget, copies=copies, **OPTIONS)
    if not result.ok or result.samples is None:
        raise RuntimeError(f"compare: {result.status.value}: {result.message}")
    variants = result.samples["variant"].tolist()
    walls = result.samples["wall_ns"].tolist()
    times_a = [float(w) for v, w in zip(variants, walls, strict=True) if v == 0]
    times_b = [float(w) for v, w in zip(variants, walls, strict=True) if v == 1]
    return result, times_a, times_b


def timed(run: Callable[[], list[Decision]]) -> list[Decision]:
    """``run``'s decisions with their ``seconds`` set to the wall time ``run`` took."""
    started = time.monotonic()
    decisions = run()
    seconds = time.monotonic() - started
    return [
        Decision(d.protocol, d.verdict, d.speedup, d.half_width, seconds, d.detail)
        for d in decisions
    ]


def median(values: list[float]) -> float:
    return float(statistics.median(values))
