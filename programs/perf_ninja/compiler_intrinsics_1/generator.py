"""Input generator of perf-ninja's compiler_intrinsics_1 lab (trusted side).

generate(seed): IMAGES images of PIXELS uniform uint8 pixels each (the lab's init.cpp
draws one image of 40,000). Layout in NOTES.md.
"""

from __future__ import annotations

import numpy as np

PIXELS = 40000  # pixels per image (the lab's)
IMAGES = 64  # images per call, each smoothed by one call of the lab's imageSmoothing


def params() -> bytes:
    """No parameters."""
    return b""


def generate(seed: int) -> bytes:
    """IMAGES * PIXELS bytes, uniform in [0, 255]."""
    rng = np.random.Generator(np.random.PCG64(seed))
    return rng.integers(0, 256, size=IMAGES * PIXELS, dtype=np.uint8).tobytes()
