"""Input generator of perf-ninja's warmup lab (trusted side).

params(): NMAX, the length of the lab's array arr[i] = i + 1. generate(seed): QUERIES
lengths N uniform in [1, NMAX]. Layout in NOTES.md.
"""

from __future__ import annotations

import struct

import numpy as np

NMAX = 46340  # the largest N whose sum 1 + ... + N fits an int32 (the lab's N is 1000)
QUERIES = 4096  # solution() calls per timed call


def params() -> bytes:
    """One little-endian uint32: NMAX."""
    return struct.pack("<I", NMAX)


def generate(seed: int) -> bytes:
    """QUERIES little-endian uint32 in [1, NMAX]."""
    rng = np.random.Generator(np.random.PCG64(seed))
    return rng.integers(1, NMAX, size=QUERIES, endpoint=True, dtype="<u4").tobytes()
