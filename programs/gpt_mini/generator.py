"""gpt_mini: the trusted side, fixed model parameters and one token sequence per seed.

The byte layouts of params() and generate() are documented in NOTES.md ("Input and output
layout"). The weights are the same splitmix64 stream (seed 42) the old program generated
in aiopt_init, computed here with vectorised uint64 arithmetic.
"""

from __future__ import annotations

import numpy as np

DIM = 128
LAYERS = 4
HEADS = 4
CTX = 16
VOCAB = 512
MAX_SEQ = 1024
WEIGHT_SEED = 42

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _splitmix64_uniform(seed: int, count: int) -> np.ndarray:
    """The first `count` splitmix64 outputs from state `seed`, as uniforms in [0, 1)."""
    k = np.arange(1, count + 1, dtype=np.uint64)
    z = np.uint64(seed) + k * _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)


def params() -> bytes:
    """Header (6 x uint32) then every weight array as float64, in NOTES.md order."""
    dim, hidden = DIM, 4 * DIM
    sd, sh = 1.0 / np.sqrt(float(dim)), 1.0 / np.sqrt(float(hidden))
    # (element count, scale, offset) in the order the arrays are drawn from the stream
    layer = [
        (dim, 0.2, 1.0),  # ln1_g
        (dim, 0.1, 0.0),  # ln1_b
        (dim * 3 * dim, 2.0 * sd, 0.0),  # w_qkv
        (3 * dim, 0.1, 0.0),  # b_qkv
        (dim * dim, sd, 0.0),  # w_proj
        (dim, 0.1, 0.0),  # b_proj
        (dim, 0.2, 1.0),  # ln2_g
        (dim, 0.1, 0.0),  # ln2_b
        (dim * hidden, 2.0 * sd, 0.0),  # w_fc
        (hidden, 0.1, 0.0),  # b_fc
        (hidden * dim, sh, 0.0),  # w_out
        (dim, 0.1, 0.0),  # b_out
    ]
    arrays = [(VOCAB * dim, 1.0, 0.0), (MAX_SEQ * dim, 0.5, 0.0)]  # wte, wpe
    arrays += layer * LAYERS
    arrays += [(dim, 0.2, 1.0), (dim, 0.1, 0.0)]  # lnf_g, lnf_b
    u = _splitmix64_uniform(WEIGHT_SEED, sum(n for n, _, _ in arrays))
    parts, start = [], 0
    for n, scale, offset in arrays:
        v = (2.0 * u[start : start + n] - 1.0) * scale
        if offset:
            v = v + offset
        parts.append(v)
        start += n
    header = np.array([DIM, LAYERS, HEADS, CTX, VOCAB, MAX_SEQ], dtype="<u4").tobytes()
    return header + np.concatenate(parts).astype("<f8").tobytes()


def generate(seed: int) -> bytes:
    """CTX token ids, uniform in [0, VOCAB), as little-endian uint32."""
    rng = np.random.Generator(np.random.PCG64(seed))
    return rng.integers(0, VOCAB, size=CTX, dtype=np.uint32).astype("<u4").tobytes()
