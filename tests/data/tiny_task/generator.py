"""tiny_task (test task): no parameters; each input is 100-300 random bytes.

Layout: params() is empty; generate(seed) is the raw bytes to checksum; the output is the
64-bit checksum as 8 little-endian bytes (see initial.cpp).
"""

from __future__ import annotations

import numpy as np


def params() -> bytes:
    """No fixed parameters."""
    return b""


def generate(seed: int) -> bytes:
    """100 to 300 uniformly random bytes, a pure function of seed."""
    rng = np.random.Generator(np.random.PCG64(seed))
    n = int(rng.integers(100, 301))
    return rng.integers(0, 256, size=n, dtype=np.uint8).tobytes()
