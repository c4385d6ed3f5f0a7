"""Input generator of perf-ninja's swmem_prefetch_1 lab (trusted side).

params(): the lab's hash map after its init(): HASH_MAP_SIZE random values in
[0, INT_MAX] inserted into HASH_MAP_SIZE buckets (bucket = value % size, the first value
of a bucket stays), as one int32 per bucket (INT_MAX where unused). generate(seed):
NUMBER_OF_LOOKUPS values in [0, INT_MAX]. Layout in NOTES.md.
"""

from __future__ import annotations

import functools

import numpy as np

HASH_MAP_SIZE = 16 * 1024 * 1024 - 5  # buckets (the lab's is 32M - 5; see NOTES.md)
NUMBER_OF_LOOKUPS = 128 * 1024  # per call (the lab's is 1M; see NOTES.md)
INT_MAX = (1 << 31) - 1
MAP_SEED = 2021  # the map is a fixed parameter of the task


@functools.cache
def params() -> bytes:
    """HASH_MAP_SIZE little-endian int32: each bucket's value, or INT_MAX when unused."""
    rng = np.random.Generator(np.random.PCG64(MAP_SEED))
    values = rng.integers(0, INT_MAX, size=HASH_MAP_SIZE, endpoint=True, dtype=np.int64)
    buckets = values % HASH_MAP_SIZE
    # the first insert of a bucket wins: per bucket, the smallest index that maps to it
    # (np.minimum.at, linear; np.unique's sort took 5x longer, ~9 s per task load here)
    first = np.full(HASH_MAP_SIZE, HASH_MAP_SIZE, dtype=np.int64)
    np.minimum.at(first, buckets, np.arange(HASH_MAP_SIZE, dtype=np.int64))
    used = first < HASH_MAP_SIZE
    table = np.full(HASH_MAP_SIZE, INT_MAX, dtype="<i4")
    table[used] = values[first[used]]
    return table.tobytes()


def generate(seed: int) -> bytes:
    """NUMBER_OF_LOOKUPS little-endian int32 in [0, INT_MAX]."""
    rng = np.random.Generator(np.random.PCG64(seed))
    lookups = rng.integers(0, INT_MAX, size=NUMBER_OF_LOOKUPS, endpoint=True, dtype=np.int64)
    return lookups.astype("<i4").tobytes()
