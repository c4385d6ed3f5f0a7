"""Input generator of perf-ninja's vectorization_2 lab (trusted side).

generate(seed): BLOBS blobs of N uniform uint16, as the lab's init.cpp draws one.
Layout in NOTES.md.
"""

from __future__ import annotations

import numpy as np

N = 64 * 1024  # uint16 per blob (the lab's constant)
BLOBS = 64  # blobs per call, each summed by one call of the lab's checksum()


def params() -> bytes:
    """No parameters."""
    return b""


def generate(seed: int) -> bytes:
    """BLOBS * N little-endian uint16."""
    rng = np.random.Generator(np.random.PCG64(seed))
    return rng.integers(0, 1 << 16, size=BLOBS * N, dtype="<u2").tobytes()
