"""Input generator of perf-ninja's lookup_tables_1 lab (trusted side).

generate(seed): NUM_VALUES int32 uniform in [0, 150], as the lab's init.cpp draws them
(about a third fall into the default bucket). Layout in NOTES.md.
"""

from __future__ import annotations

import numpy as np

NUM_VALUES = 1024 * 1024  # the lab's constant


def params() -> bytes:
    """No parameters."""
    return b""


def generate(seed: int) -> bytes:
    """NUM_VALUES little-endian int32 in [0, 150]."""
    rng = np.random.Generator(np.random.PCG64(seed))
    return rng.integers(0, 151, size=NUM_VALUES, dtype="<i4").tobytes()
