"""A clock for pytest-benchmark that advances by measured times instead of reading time.

pytest-benchmark times a round as ``timer()`` after the target minus ``timer()`` before.
With this clock as the timer and ``advance`` as the target, round i's duration is exactly
the i-th time loaded: the harness's measurement, in seconds, not the Python call's."""

from __future__ import annotations

from collections.abc import Sequence


class ReplayClock:
    __name__ = "replay_clock"  # how pytest-benchmark names the timer in its JSON

    def __init__(self) -> None:
        self._now = 0.0
        self._pending: list[float] = []

    def load(self, seconds: Sequence[float]) -> int:
        """Queues the times (seconds) the next rounds take; returns how many."""
        if any(s < 0 for s in seconds):
            raise ValueError("a measured time cannot be negative")
        self._pending = list(reversed(seconds))
        return len(seconds)

    def advance(self) -> None:
        """The benchmark target: moves the clock on by the next queued time."""
        if not self._pending:
            raise RuntimeError("more rounds than loaded times")
        self._now += self._pending.pop()

    def __call__(self) -> float:
        return self._now
