"""Input generator of the particles task (trusted side).

params() is the fixed configuration; generate(seed) is one timed input: a scene of N fat
568-byte particle records (the C++ struct Particle of initial.cpp, byte for byte) with
their spring network. The byte layouts are documented in NOTES.md, section "Input and
output layout".
"""

from __future__ import annotations

import math
import struct

import numpy as np

N = 20000  # particles
STEPS = 4  # time steps per call
DT = 1e-3
STIFFNESS = 40.0
DAMPING = 0.8
GRAVITY = -9.81
MAX_BONDS = 12
BOND_MEAN = 11.0  # bonds per particle: min(Poisson(BOND_MEAN), MAX_BONDS), about 10.1 on average

# (name, format, byte offset) of every field of one 568-byte record.
FIELDS = [
    ("id", "<u8", 0),
    ("name", "S24", 8),
    ("material", "S16", 32),
    ("pos", ("<f8", 3), 48),
    ("vel", ("<f8", 3), 72),
    ("force", ("<f8", 3), 96),
    ("mass", "<f8", 120),
    ("radius", "<f8", 128),
    ("color", ("<f4", 4), 136),
    ("flags", "<u4", 152),
    ("group", "<i4", 156),
    ("created_tick", "<i8", 160),
    ("last_contact_tick", "<i8", 168),
    ("nbonds", "<i4", 176),
    ("bond", ("<i4", MAX_BONDS), 180),  # 4 bytes of zero padding follow, at 228
    ("rest", ("<f8", MAX_BONDS), 232),
    ("trail", ("<f8", (8, 3)), 328),
    ("notes", "S48", 520),
]
RECORD = np.dtype(
    {
        "names": [f[0] for f in FIELDS],
        "formats": [f[1] for f in FIELDS],
        "offsets": [f[2] for f in FIELDS],
        "itemsize": 568,
    }
)

MATERIALS = np.array([b"rubber", b"steel", b"foam", b"gel"], dtype="S16")

# P(bonds <= k) for k = 0..11 of min(Poisson(BOND_MEAN), MAX_BONDS).
_BOND_CDF = np.cumsum(
    [math.exp(-BOND_MEAN) * BOND_MEAN**k / math.factorial(k) for k in range(MAX_BONDS)]
)

# The record array is reused from call to call: the fields that do not depend on the seed
# (name, and the zero fields force, flags, ticks, trail, padding, notes) are written here once;
# generate() overwrites every other field of every record.
_SCENE = np.zeros(N, dtype=RECORD)
_SCENE["name"] = np.char.mod("p%06d", np.arange(N)).astype("S24")
_SLOTS = np.arange(MAX_BONDS)[None, :]
# Work buffers, also reused (fewer fresh pages per call): every element is rewritten.
_UNIFORM = np.empty((N, 8))
_BOND = np.zeros(N * MAX_BONDS, dtype=np.int32)
_REST = np.zeros(N * MAX_BONDS)


def params() -> bytes:
    """uint32 n, uint32 steps, float64 dt, stiffness, damping, gravity (40 bytes)."""
    return struct.pack("<IIdddd", N, STEPS, DT, STIFFNESS, DAMPING, GRAVITY)


def _springs(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A random spring network: bonds per particle, and the two ends of every spring.

    Configuration model: particle i has deg[i] bond slots ("stubs"); a random permutation
    pairs the stubs two by two. Returns deg and, for every spring, its two stubs as indices
    into the flat (N * MAX_BONDS) bond table (particle * MAX_BONDS + slot). Repeated pairs
    are allowed, as in the original sequential generator; springs from a particle to
    itself are swapped away.
    """
    deg = np.searchsorted(_BOND_CDF, rng.random(N)).astype(np.int32)
    if int(deg.sum()) % 2:
        deg[int(np.argmax(deg))] -= 1
    stubs = np.flatnonzero(deg[:, None] > _SLOTS)  # particle * MAX_BONDS + slot, slot < deg
    rng.shuffle(stubs)
    end_a, end_b = stubs[0::2].copy(), stubs[1::2].copy()
    loops = np.flatnonzero(end_a // MAX_BONDS == end_b // MAX_BONDS).tolist()
    for k in loops:  # about 5 per scene
        while end_a[k] // MAX_BONDS == end_b[k] // MAX_BONDS:
            other = int(rng.integers(end_a.size))
            a, b, c, d = int(end_a[k]), int(end_b[k]), int(end_a[other]), int(end_b[other])
            if a // MAX_BONDS != d // MAX_BONDS and c // MAX_BONDS != b // MAX_BONDS:
                end_b[k], end_b[other] = d, b
    return deg, end_a, end_b


def generate(seed: int) -> bytes:
    """One scene of N particle records (N * 568 bytes), a pure function of the seed."""
    rng = np.random.Generator(np.random.PCG64(seed))
    rec = _SCENE
    ids = rng.integers(0, 2**64, size=N, dtype=np.uint64)
    rec["id"] = ids
    rec["material"] = MATERIALS[ids & np.uint64(3)]
    u = rng.random(out=_UNIFORM)  # columns: pos (3), vel (3), mass, radius
    u[:, 2] += 0.05
    u[:, 3:6] -= 0.5
    u[:, 3:6] *= 0.2  # vel = 0.2 * (u - 0.5)
    u[:, 6] += 0.5  # mass = 0.5 + u
    u[:, 7] *= 0.01
    u[:, 7] += 0.01  # radius = 0.01 + 0.01 * u
    rec["pos"] = u[:, 0:3]
    rec["vel"] = u[:, 3:6]
    rec["mass"] = u[:, 6]
    rec["radius"] = u[:, 7]
    # colour k = byte k of the id (little-endian) / 255
    rec["color"] = ids.view(np.uint8).reshape(N, 8)[:, :4].astype(np.float32) / np.float32(255)
    rec["group"] = (ids % np.uint64(97)).astype(np.int32)

    deg, end_a, end_b = _springs(rng)
    pa, pb = end_a // MAX_BONDS, end_b // MAX_BONDS
    length = np.zeros(pa.size)
    for k in range(3):
        coord = u[:, k].copy()
        d = coord[pb]
        d -= coord[pa]
        d *= d
        length += d
    np.sqrt(length, out=length)
    factor = rng.random(pa.size)
    factor *= 0.2
    factor += 0.9
    length *= factor  # rest = |pos[b] - pos[a]| * (0.9 + 0.2 * u)
    _BOND.fill(0)
    _REST.fill(0.0)
    _BOND[end_a] = pb
    _BOND[end_b] = pa
    _REST[end_a] = length
    _REST[end_b] = length
    rec["nbonds"] = deg
    rec["bond"] = _BOND.reshape(N, MAX_BONDS)
    rec["rest"] = _REST.reshape(N, MAX_BONDS)
    return rec.tobytes()
