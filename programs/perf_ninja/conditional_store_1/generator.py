"""Input generator of perf-ninja's conditional_store_1 lab (trusted side).

generate(seed): ARRAYS arrays of N (first, second) pairs of uniform uint32, as the lab's
init.cpp draws them (uniform over the whole uint32 range). Layout in NOTES.md.
"""

from __future__ import annotations

import numpy as np

N = 64 * 1024  # pairs per array (the lab's constant)
ARRAYS = 16  # arrays per call: the lab's select runs once per array


def params() -> bytes:
    """No parameters."""
    return b""


def generate(seed: int) -> bytes:
    """ARRAYS * N * 2 little-endian uint32: (first, second) pairs."""
    rng = np.random.Generator(np.random.PCG64(seed))
    return rng.integers(0, 1 << 32, size=ARRAYS * N * 2, dtype="<u4").tobytes()
