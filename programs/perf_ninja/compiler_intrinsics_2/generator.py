"""Input generator of perf-ninja's compiler_intrinsics_2 lab (trusted side).

generate(seed): TEXTS texts of TEXT_BYTES printable ASCII bytes, cut into lines whose
lengths are drawn like a source file's (mostly short, a few long). The lab reads two
files of its repository (LLVM's LoopVectorize.cpp and a Mark Twain text); these texts
stand in for them. Layout in NOTES.md.
"""

from __future__ import annotations

import numpy as np

TEXT_BYTES = 448 * 1024  # bytes per text
TEXTS = 16  # texts per call, each scanned by one call of the lab's solution()


def params() -> bytes:
    """No parameters."""
    return b""


def _text(rng: np.random.Generator) -> np.ndarray:
    text = rng.integers(32, 127, size=TEXT_BYTES, dtype=np.uint8)
    lengths = rng.geometric(1 / 40, size=TEXT_BYTES // 8)  # mean 40 characters a line
    ends = np.cumsum(lengths + 1) - 1
    text[ends[ends < TEXT_BYTES]] = ord("\n")
    return text


def generate(seed: int) -> bytes:
    """TEXTS * TEXT_BYTES bytes."""
    rng = np.random.Generator(np.random.PCG64(seed))
    return b"".join(_text(rng).tobytes() for _ in range(TEXTS))
