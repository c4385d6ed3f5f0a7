"""Input generator of the btree task (trusted side).

params(): the fixed sizes (inserts, lookups). generate(seed): one timed input, the key
stream (inserts then lookups). Byte layouts: NOTES.md, "Input and output layout".
"""

from __future__ import annotations

import numpy as np

INSERTS = 50_000
LOOKUPS = 100_000
DOMAIN = INSERTS + INSERTS // 5 + 1  # distinct candidate keys: about 1/3 of inserts overwrite


def params() -> bytes:
    """Two little-endian uint64: the number of inserts and the number of lookups."""
    return np.array([INSERTS, LOOKUPS], dtype="<u8").tobytes()


def generate(seed: int) -> bytes:
    """INSERTS insert keys then LOOKUPS lookup keys, little-endian uint64 each."""
    rng = np.random.Generator(np.random.PCG64(seed))
    domain = rng.bit_generator.random_raw(DOMAIN)  # fresh random 64-bit keys per seed
    keys = domain[rng.integers(0, DOMAIN, INSERTS + LOOKUPS, dtype=np.uint32)]
    # Half of the lookups come from the key domain (hits if inserted); the other half are
    # arbitrary even 64-bit values (almost all misses): the low bit of r chooses.
    r = rng.bit_generator.random_raw(LOOKUPS)
    lookups = keys[INSERTS:]
    np.copyto(lookups, r & ~np.uint64(1), where=(r & 1) == 0)
    return keys.astype("<u8", copy=False).tobytes()
