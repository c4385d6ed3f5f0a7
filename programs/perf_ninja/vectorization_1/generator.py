"""Input generator of perf-ninja's vectorization_1 lab (trusted side).

generate(seed): INSTANCES instances of the lab's init(): two collections of 16 sequences
of 200 symbols uniform in [0, 4]. Layout in NOTES.md.
"""

from __future__ import annotations

import numpy as np

SEQUENCE_SIZE = 200  # the lab's sequence_size_v
SEQUENCE_COUNT = 16  # the lab's sequence_count_v
INSTANCES = 4  # per call, each aligned by one call of the lab's compute_alignment()


def params() -> bytes:
    """No parameters."""
    return b""


def generate(seed: int) -> bytes:
    """INSTANCES * 2 * SEQUENCE_COUNT * SEQUENCE_SIZE uint8 symbols in [0, 4]."""
    rng = np.random.Generator(np.random.PCG64(seed))
    size = INSTANCES * 2 * SEQUENCE_COUNT * SEQUENCE_SIZE
    return rng.integers(0, 5, size=size, dtype=np.uint8).tobytes()
