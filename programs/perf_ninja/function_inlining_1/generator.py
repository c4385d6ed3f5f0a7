"""Input generator of perf-ninja's function_inlining_1 lab (trusted side).

generate(seed): ARRAYS arrays of N (key1, key2) pairs, keys uniform in [0, 9000] as the
lab's init.cpp draws them. Layout in NOTES.md.
"""

from __future__ import annotations

import numpy as np

N = 10000  # pairs per array (the lab's constant)
ARRAYS = 12  # arrays per call, each sorted by one call of the lab's solution()


def params() -> bytes:
    """No parameters."""
    return b""


def generate(seed: int) -> bytes:
    """ARRAYS * N * 2 little-endian uint32 (key1, key2) in [0, 9000]."""
    rng = np.random.Generator(np.random.PCG64(seed))
    return rng.integers(0, 9001, size=ARRAYS * N * 2, dtype="<u4").tobytes()
