"""Input generator of perf-ninja's loop_interchange_1 lab (trusted side).

params(): the power k. generate(seed): an N x N float32 matrix drawn as the lab's
init.cpp draws it (uniform in [-0.95, 0.95), every row scaled to unit length).
Layout in NOTES.md.
"""

from __future__ import annotations

import struct

import numpy as np

N = 180  # matrix size (the lab's is 400; see NOTES.md)
K = 2  # the power (the lab's bench takes 2021; see NOTES.md)


def params() -> bytes:
    """One little-endian uint32: k."""
    return struct.pack("<I", K)


def generate(seed: int) -> bytes:
    """N * N little-endian float32, row-major."""
    rng = np.random.Generator(np.random.PCG64(seed))
    matrix = rng.uniform(-0.95, 0.95, size=(N, N)).astype(np.float32)
    norms = np.sqrt((matrix * matrix).sum(axis=1, dtype=np.float32))
    matrix = matrix * (np.float32(1.0) / norms)[:, None]
    return matrix.astype("<f4").tobytes()
