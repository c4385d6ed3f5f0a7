"""cache_policy: the trusted side, fixed cache config and five access traces per seed.

The byte layouts of params() and generate() are documented in NOTES.md ("Input and output
layout"). The traces follow the old program's in-init make_traces (same five patterns,
same sizes, same probabilities), drawn from a PCG64 stream of the seed; in addition the
map from a pattern's item index to its key (an odd multiplier and an XOR mask over 18
bits) is drawn per seed and per trace, so no key is hot in every input.
"""

from __future__ import annotations

import struct

import numpy as np

CAPACITY = 1024
ACCESSES = 200_000  # per trace
TRACES = 5  # zipf, loop, scan, phase, db (in this order)
KEY_BITS = 20  # every key is below 2**KEY_BITS

_MASK16 = np.uint32(0xFFFF)
_MASK18 = np.uint32(0x3FFFF)
_TENTH = np.uint32(0x1999999A)  # P(word < _TENTH) = 0.1 for a uniform 32-bit word
_HUGE = 1 << 22  # bytes: numpy requests huge pages for arrays at least this large


def params() -> bytes:
    """capacity, accesses per trace, number of traces: three uint32 LE."""
    return struct.pack("<III", CAPACITY, ACCESSES, TRACES)


def _scramble(item: np.ndarray, mult: np.uint32, xor: np.uint32, base: int) -> np.ndarray:
    """A bijection of 18-bit item indices (odd multiplier, XOR mask), moved to base * 2**18."""
    item *= mult
    item &= _MASK18
    item ^= xor + np.uint32(base << 18)  # disjoint bits: the XOR adds the base
    return item


def _below(word: np.ndarray, k: int, into: np.ndarray) -> np.ndarray:
    """Items in [0, k) (k <= 2**16) from the low 16 bits of the words."""
    np.bitwise_and(word, _MASK16, out=into)
    into *= np.uint32(k)
    into >>= np.uint32(16)
    return into


def _skewed(word: np.ndarray, k: int, fx: np.ndarray, into: np.ndarray | None = None) -> np.ndarray:
    """floor(k * u^3), u uniform in [0, 1) from the top 21 bits of the words; the result
    goes to `into` (default: over the words), fx is float32 scratch."""
    into = word if into is None else into
    np.right_shift(word, np.uint32(11), out=into)
    np.copyto(fx, into.view(np.int32), casting="unsafe")  # exact: 21-bit integers
    fx *= np.float32(2.0**-21)
    fy = into.view(np.float32)
    np.multiply(fx, fx, out=fy)
    fy *= fx
    fy *= np.float32(k)
    np.copyto(into.view(np.int32), fy, casting="unsafe")  # truncates: floor
    return into


def _blend(dest: np.ndarray, alt: np.ndarray, take: np.ndarray) -> None:
    """dest = alt where take (uint32) is all ones, else dest; alt is clobbered."""
    alt ^= dest
    alt &= take
    dest ^= alt


def generate(seed: int) -> bytes:
    """TRACES traces of ACCESSES keys each, uint32 LE, trace after trace.

    Every trace is computed in place over its own random words, with two scratch rows:
    fresh temporaries cost more in page faults than the arithmetic itself. The arrays are
    allocated at >= 4 MiB, where numpy asks for transparent huge pages.
    """
    rng = np.random.Generator(np.random.PCG64(seed))
    n, c = ACCESSES, CAPACITY
    mult = rng.integers(0, 1 << 17, TRACES, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    xor = rng.integers(0, 1 << 18, TRACES, dtype=np.uint32)
    # one uniform 32-bit word per access: the choice and the item come from disjoint bits
    raw = rng.bit_generator.random_raw(max(TRACES * n // 2, _HUGE // 8)).view(np.uint32)
    words = raw[: TRACES * n].reshape(TRACES, n)
    scratch = np.empty(max(2 * n, _HUGE // 4), dtype=np.uint32)
    alt, take = scratch[:n], scratch[n : 2 * n]  # the other choice's keys; where it is taken
    ones = np.uint32(0xFFFFFFFF)

    # zipf: skewed popularity over 40C items
    _scramble(_skewed(words[0], 40 * c, take.view(np.float32)), mult[0], xor[0], 0)
    # loop: cyclic over 1.25C items; 10 % (top bits) noise from 8C other items (low bits)
    w, period = words[1], c + c // 4
    np.multiply(w < _TENTH, ones, out=take)
    _scramble(_below(w, 8 * c, w), mult[1], xor[1], 1)
    cycle = _scramble(np.arange(period, dtype=np.uint32), mult[1], xor[1], 0)
    whole = n // period * period
    alt[:whole].reshape(-1, period)[:] = cycle
    alt[whole:] = cycle[: n - whole]
    np.invert(take, out=take)
    _blend(w, alt, take)  # the cycle where no noise
    # scan: uniform hot set of 0.8C; in every third block of 2000 accesses, 75 % (top two
    # bits not both 0) one-time scan keys
    w = words[2]
    scans = np.flatnonzero(w.reshape(-1, 2000)[2::3] >= np.uint32(1 << 30))
    scans += (scans // 2000) * 4000 + 4000  # index in those blocks -> index in the trace
    _scramble(_below(w, c - c // 5, w), mult[2], xor[2], 0)
    w[scans] = _scramble(np.arange(scans.size, dtype=np.uint32), mult[2], xor[2], 2)
    # phase: skewed (top 21 bits) working set of 0.6C that moves every n/8 accesses;
    # 10 % (low 11 bits) noise from 16C other items (top 14 bits)
    w = words[3]
    work = _skewed(w, c - 2 * c // 5, take.view(np.float32), into=alt)
    work.reshape(8, -1)[:] += np.arange(8, dtype=np.uint32)[:, None] * np.uint32(c)
    _scramble(work, mult[3], xor[3], 0)
    np.bitwise_and(w, np.uint32(0x7FF), out=take)
    np.multiply(take >= np.uint32(205), ones, out=take)  # 205 / 2048 = 0.1001 noise
    _scramble(np.right_shift(w, np.uint32(18), out=w), mult[3], xor[3], 3)
    _blend(w, work, take)  # the working set where no noise
    # db: 30 % (top bits) a hot index of C/4 (low 8 bits), 70 % a repeating sequential
    # scan of a 3C table
    w = words[4]
    table = np.flatnonzero(w >= np.uint32(3 * _TENTH))
    _scramble(np.bitwise_and(w, np.uint32(c // 4 - 1), out=w), mult[4], xor[4], 0)
    rows = _scramble(np.arange(3 * c, dtype=np.uint32), mult[4], xor[4], 3)
    w[table] = np.resize(rows, table.size)
    return words.tobytes()
