"""Inputs of the comparisons' chain kernel: 64 coefficients in [0.5, 1) and x0 in [0, 1)."""

from __future__ import annotations

import struct

import numpy as np

STEPS = 150_000


def params() -> bytes:
    return struct.pack("<I", STEPS)


def generate(seed: int) -> bytes:
    rng = np.random.Generator(np.random.PCG64(seed))
    coefficients = 0.5 + 0.5 * rng.random(64)
    return np.append(coefficients, rng.random()).astype("<f8", copy=False).tobytes()
