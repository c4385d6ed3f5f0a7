"""nanobench-style: A and B interleaved in the same run (epochs alternating), each
summarised by its median epoch time, compared as the ratio of medians; nanobench reports
each benchmark's err% (median absolute percentage error of its epochs) and warns when it
is high. The reading users make, and the rule here: a difference counts when the ratio
departs from 1 by more than the larger err%. It gives no interval; err% is reported as
its half-width. Interleaving here is compare's call-by-call ABBA/BAAB rounds over 2 pairs
of processes (the fewest compare runs)."""

from __future__ import annotations

import statistics
from pathlib import Path

from decision import Decision, interleaved_times, timed, verdict

NAME = "nanobench-style: interleaved, median ratio vs err%"
COPIES = 2


def error_percent(times: list[float]) -> float:
    """Median absolute percentage error of ``times`` around their median (a fraction)."""
    middle = statistics.median(times)
    return float(statistics.median(abs(t - middle) / middle for t in times))


def decide(times_a: list[float], times_b: list[float]) -> tuple[str, float, float]:
    """(verdict, speedup, err) as the rule above decides."""
    speedup = statistics.median(times_a) / statistics.median(times_b)
    error = max(error_percent(times_a), error_percent(times_b))
    return verdict(abs(speedup - 1.0) > error, speedup), speedup, error


def run(a: Path, b: Path, budget: float) -> list[Decision]:
    def once() -> list[Decision]:
        _, times_a, times_b = interleaved_times(a, b, budget, COPIES)
        answer, speedup, error = decide(times_a, times_b)
        detail = f"err {error:.2%}, {len(times_a)}+{len(times_b)} calls"
        return [Decision(NAME, answer, speedup, error, 0.0, detail)]

    return timed(once)
