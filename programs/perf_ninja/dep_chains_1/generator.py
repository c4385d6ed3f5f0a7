"""Input generator of perf-ninja's dep_chains_1 lab (trusted side).

generate(seed): two lists drawn as the lab's init.cpp draws them: N values uniform in
[0, 65535], duplicates removed, shuffled. Layout in NOTES.md.
"""

from __future__ import annotations

import struct

import numpy as np

N = 3000  # values drawn per list (the lab draws 10,000; see NOTES.md)


def params() -> bytes:
    """No parameters."""
    return b""


def _random_list(rng: np.random.Generator) -> np.ndarray:
    values = np.unique(rng.integers(0, 1 << 16, size=N, dtype=np.uint32))
    rng.shuffle(values)
    return values.astype("<u4")


def generate(seed: int) -> bytes:
    """uint32 n1, n2, then the n1 values of list 1 and the n2 of list 2 (little-endian)."""
    rng = np.random.Generator(np.random.PCG64(seed))
    first, second = _random_list(rng), _random_list(rng)
    return struct.pack("<II", len(first), len(second)) + first.tobytes() + second.tobytes()
