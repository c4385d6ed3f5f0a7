"""Input generator of the matmul task (trusted side).

params() is the fixed matrix size n; generate(seed) one timed input, the two n x n
float64 matrices A and B. The byte layouts are documented in NOTES.md, section "Input and
output layout".
"""

from __future__ import annotations

import struct

import numpy as np

N = 176  # matrix size: A, B and C are N x N


def params() -> bytes:
    """One little-endian uint32: n."""
    return struct.pack("<I", N)


def generate(seed: int) -> bytes:
    """A then B, each N * N little-endian float64 in row-major order, uniform in [-1, 1)."""
    rng = np.random.Generator(np.random.PCG64(seed))
    values = rng.random(2 * N * N) * 2.0 - 1.0
    return values.astype("<f8", copy=False).tobytes()
