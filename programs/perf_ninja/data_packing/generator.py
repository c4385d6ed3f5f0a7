"""Input generator of perf-ninja's data_packing lab (trusted side).

generate(seed): N (first, second) pairs uniform in [0, 99], as the lab's init.cpp draws
them. Layout in NOTES.md.
"""

from __future__ import annotations

import numpy as np

N = 300000  # entries (the lab's is 1,000,000; see NOTES.md)
MAX_RANDOM = 100  # values are in [0, MAX_RANDOM - 1]


def params() -> bytes:
    """No parameters."""
    return b""


def generate(seed: int) -> bytes:
    """N * 2 uint8: (first, second) of each entry."""
    rng = np.random.Generator(np.random.PCG64(seed))
    return rng.integers(0, MAX_RANDOM, size=2 * N, dtype=np.uint8).tobytes()
