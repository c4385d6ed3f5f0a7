"""Which CPU measures and which CPUs do the rest (compiles, the local LLM)."""

from __future__ import annotations

import os


def default_cpu() -> int:
    """The last CPU this process may run on: where measurements run unless told."""
    return max(os.sched_getaffinity(0))


def cpus_beside_measurement() -> frozenset[int] | None:
    """The CPUs this process may use except the measurement CPU (``default_cpu``): where
    compiles and the local LLM go. None when there is no other CPU."""
    others = set(os.sched_getaffinity(0)) - {default_cpu()}
    return frozenset(others) if others else None
