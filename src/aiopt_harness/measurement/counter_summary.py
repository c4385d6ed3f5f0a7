"""Per-variant counter readings from the per-call counter deltas of a timing run."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import Any

from .results import CounterReading


def summarize_counters(
    statuses: Sequence[dict[str, Any]],
    names: Sequence[str],
    rows: Sequence[Sequence[float | None]],
    variants: Sequence[int],
    variant: int,
) -> dict[str, CounterReading]:
    """The median per-call delta of each counter over the calls of ``variant``."""
    readings: dict[str, CounterReading] = {}
    for column, (name, status) in enumerate(zip(names, statuses, strict=True)):
        if not status["available"]:
            readings[name] = CounterReading(name, False, reason=str(status["reason"]))
            continue
        values = [
            value
            for row, v in zip(rows, variants, strict=True)
            if v == variant and (value := row[column]) is not None
        ]
        if not values:
            readings[name] = CounterReading(
                name, False, reason="opened but never scheduled (multiplexed out in every call)"
            )
            continue
        readings[name] = CounterReading(
            name,
            True,
            value=float(statistics.median(values)),
            calls=len(values),
            user_space_only=bool(status.get("user_space_only", False)),
        )
    return readings


def disabled_counters(names: Sequence[str]) -> dict[str, CounterReading]:
    return {
        name: CounterReading(name, False, reason="counting disabled by the caller")
        for name in names
    }
