"""Input generator of perf-ninja's branches_to_cmov_1 lab (trusted side).

generate(seed): GRIDS grids of X x Y cells, each alive with probability 0.3, as the
lab's init.cpp draws them (a digit 0-9 above 6). Layout in NOTES.md.
"""

from __future__ import annotations

import numpy as np

GRIDS = 2  # the lab's NumberOfGrids is 16 (see NOTES.md)
X = Y = 256  # the lab's grids are 1024 x 1024


def params() -> bytes:
    """No parameters."""
    return b""


def generate(seed: int) -> bytes:
    """GRIDS * X * Y uint8 cells, 1 alive, 0 dead, row-major."""
    rng = np.random.Generator(np.random.PCG64(seed))
    return (rng.integers(0, 10, size=GRIDS * X * Y) > 6).astype(np.uint8).tobytes()
