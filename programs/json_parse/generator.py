"""Input generator of the json_parse task (trusted side).

params(): empty (the task has no fixed parameters). generate(seed): one timed input, a
JSON document of RECORDS nested records (~820 KB of UTF-8 text). Byte layouts and the
document's shape: NOTES.md, "Input and output layout".

Every document is new: its tree shape (kinds, nesting, member and element counts) is drawn
level by level from the seed, and so is every scalar (numbers, the field numbers of the
keys, which string of the pool a string is cut from and where). Only the byte pieces that
the text is assembled from are precomputed (punctuation with keys, the decimal digits of
0..999999, a pool of random string characters); one vectorized gather assembles the text.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

RECORDS = 1500
MAX_LEVEL = 5  # records are level 0; levels 1..4 may hold containers, level 5 only scalars

# Node kinds, numbered as in the program (Node::Kind).
NULL, FALSE, TRUE, NUMBER, STRING, ARRAY, OBJECT = range(7)
NEG_NUMBER = 7  # opener code of a negative number

Ints = npt.NDArray[np.int64]
Bytes = npt.NDArray[np.uint8]

# Kind of a value from r = uniform 0..99, as in the original generator: 14 % object, 10 %
# array (where nesting is allowed; strings on the last level), 36 % string, 30 % number,
# 4 % true, 3 % false, 3 % null.
_KIND_NEST = np.repeat(
    [OBJECT, ARRAY, STRING, NUMBER, TRUE, FALSE, NULL], [14, 10, 36, 30, 4, 3, 3]
).astype(np.int64)
_KIND_LEAF = np.where(_KIND_NEST >= ARRAY, STRING, _KIND_NEST)
_KEYS = 47  # object members are "field_<first + i>", first = 0..39, i = 0..7
# Separator classes: how a value is introduced.
REC_FIRST, REC_NEXT, ARR_FIRST, ARR_NEXT, OBJ_FIRST, OBJ_NEXT = range(6)
_SEPARATORS = ["  ", ",\n  ", "", ",", '"field_{}": ', ', "field_{}": ']
_OPENERS = ["null", "false", "true", "", '"', "[", "{", "-"]
# String characters as in the original generator: 4 % escapes, 14 % spaces, the rest a-z.
_ESCAPES = [
    "\\n",
    "\\t",
    '\\"',
    "\\\\",
    "\\/",
    "\\r",
    "\\b",
    "\\f",
    "\\u00e9",
    "\\u4e2d",
    "\\u00FC",
    "\\ud83d\\ude00",
]
_CHARS = [chr(ord("a") + i) for i in range(26)] + [" ", *_ESCAPES, '"']
_POOL_STRINGS = 1 << 14  # pool strings of 30 characters and the closing quote each
_MAX_CHARS = 30
_CHUNK = 4096  # pieces per step of _gather


def _gather(data: Bytes, starts: Ints, lengths: Ints) -> bytes:
    """The concatenation of data[starts[i]:starts[i] + lengths[i]] over all i."""
    ends = np.cumsum(lengths)
    base = starts - (ends - lengths)
    out = np.empty(int(ends[-1]), dtype=np.uint8)
    # In chunks of pieces, so that the index arrays stay in the cache.
    for lo in range(0, len(lengths), _CHUNK):
        hi = min(lo + _CHUNK, len(lengths))
        first, last = int(ends[lo] - lengths[lo]), int(ends[hi - 1])
        idx = np.repeat(base[lo:hi], lengths[lo:hi])
        idx += np.arange(first, last, dtype=np.int64)
        np.take(data, idx, out=out[first:last], mode="wrap")
    return out.tobytes()


def _pieces(texts: list[str]) -> tuple[bytes, Ints]:
    """texts concatenated, and [offset, length] of each."""
    encoded = [t.encode() for t in texts]
    lengths = np.array([len(e) for e in encoded], dtype=np.int64)
    return b"".join(encoded), np.stack([np.cumsum(lengths) - lengths, lengths], axis=1)


# The byte source: fixed pieces, then ".0.1.2...999999", then the string pool.
# Fixed pieces: framing, closing brackets, exponents ("e0".."e29", "E-0".."E-29") and heads
# (separator + key + opener, index (separator * _KEYS + key) * 8 + opener).
DOC_OPEN, DOC_CLOSE, CLOSE_OBJ, CLOSE_ARR = range(4)
_fixed_blob, _FIXED = _pieces(
    ["[\n", "\n]\n", "}", "]"]
    + [f"{marker}{e}" for marker in ("e", "E-") for e in range(30)]
    + [
        sep.format(key) + opener
        for sep in _SEPARATORS
        for key in range(_KEYS)
        for opener in _OPENERS
    ]
)
_FIXED_OFF, _FIXED_LEN = _FIXED.T.copy()
_EXP_OFF, _EXP_LEN = _FIXED_OFF[4:64].copy(), _FIXED_LEN[4:64].copy()
_HEAD_OFF, _HEAD_LEN = _FIXED_OFF[64:].copy(), _FIXED_LEN[64:].copy()
_DIGITS_AT = len(_fixed_blob)
_digits_blob = "".join(f".{i}" for i in range(1_000_000)).encode()
# Where the ".<v>" of v starts: v has d digits, values with fewer digits come first.
_DIGIT_LOW = np.array([0, 0, 10, 100, 1000, 10_000, 100_000], dtype=np.int64)
_DIGIT_BASE = _DIGITS_AT + np.concatenate(
    [[0, 0], np.cumsum([(_DIGIT_LOW[d + 1] - _DIGIT_LOW[d]) * (d + 1) for d in range(1, 6)])]
)


def _string_pool() -> tuple[bytes, Ints]:
    rng = np.random.Generator(np.random.PCG64(0x4A534F4E))
    count = _POOL_STRINGS * (_MAX_CHARS + 1)
    r = rng.integers(0, 100, count)
    chars = np.where(
        r < 4, 27 + rng.integers(0, 12, count), np.where(r < 18, 26, rng.integers(0, 26, count))
    )
    chars[_MAX_CHARS :: _MAX_CHARS + 1] = len(_CHARS) - 1  # every pool string ends with '"'
    table_blob, table = _pieces(_CHARS)
    table_data = np.frombuffer(table_blob, dtype=np.uint8)
    pool = _gather(table_data, table[chars, 0], table[chars, 1])
    return pool, np.concatenate([[0], np.cumsum(table[chars, 1])]).astype(np.int32)


_pool_blob, _pool_bound = _string_pool()
_POOL_BOUND = _DIGITS_AT + len(_digits_blob) + _pool_bound
_DATA = np.frombuffer(_fixed_blob + _digits_blob + _pool_blob, dtype=np.uint8)


# Per-node LUTs over r = _KIND_R * kind + uniform 0..1599: children count; for the head
# of a child: base index, extra for later siblings, step per ordinal (the key's number).
_KIND_R = 1600
_rr = np.arange(_KIND_R * 7) % _KIND_R
_rk = np.arange(_KIND_R * 7) // _KIND_R
_COUNT = np.where(_rk == OBJECT, 1 + _rr % 8, np.where(_rk == ARRAY, _rr % 10, 0))
_HEADS_AT = np.arange(6) * _KEYS * 8  # index in _HEADS of a separator class with key 0
_HEAD_BASE = np.where(_rk == OBJECT, _HEADS_AT[OBJ_FIRST] + _rr // 40 * 8, _HEADS_AT[ARR_FIRST])
_HEAD_NEXT = np.where(
    _rk == OBJECT,
    _HEADS_AT[OBJ_NEXT] - _HEADS_AT[OBJ_FIRST],
    _HEADS_AT[ARR_NEXT] - _HEADS_AT[ARR_FIRST],
)
_HEAD_STEP = np.where(_rk == OBJECT, 8, 0)


def _digits(value: Ints) -> tuple[Ints, Ints]:
    """Offset of ".<value>" in _DATA and the number of digits of value (0 <= value < 10**6)."""
    d = 1 + (value >= 10) + (value >= 100) + (value >= 1000) + (value >= 10_000)
    d += value >= 100_000
    return _DIGIT_BASE[d] + (value - _DIGIT_LOW[d]) * (d + 1), d


def params() -> bytes:
    """No fixed parameters."""
    return b""


def generate(seed: int) -> bytes:
    """One JSON document: an array of RECORDS nested objects (see NOTES.md)."""
    rng = np.random.Generator(np.random.PCG64(seed))

    # Tree shape, level by level (nodes in level order; the children of a node are
    # contiguous and in order, and the children of level l follow level l). Per node:
    # r = 0..1599 gives the member count of an object (1 + r % 8) or an array (r % 10)
    # and, r // 40, the field number of an object's first key (0..39).
    kinds = [np.full(RECORDS, OBJECT, dtype=np.int64)]
    rs: list[Ints] = []
    level_at = [0, RECORDS]
    for level in range(MAX_LEVEL):
        r = _KIND_R * kinds[level] + rng.integers(0, _KIND_R, len(kinds[level]))
        rs.append(r)
        children = int(_COUNT[r].sum())
        lut = _KIND_NEST if level + 1 < MAX_LEVEL else _KIND_LEAF
        kinds.append(lut[rng.integers(0, 100, children)])
        level_at.append(level_at[-1] + children)
    kind = np.concatenate(kinds)
    n = len(kind)
    r = np.concatenate([*rs, np.zeros(n - level_at[-2], dtype=np.int64)])
    count = _COUNT[r]
    first = np.cumsum(count) - count + RECORDS  # index of the first child
    parent = np.repeat(np.arange(n, dtype=np.int64), count)  # of nodes RECORDS..n-1
    ordinal = np.arange(RECORDS, n, dtype=np.int64) - first[parent]

    num = np.flatnonzero(kind == NUMBER)
    strs = np.flatnonzero(kind == STRING)
    # Numbers: -999999..999999, 0..99, or -9999..9999 "." 0..999999 [e or E- 0..29].
    form = rng.integers(0, 4, len(num))
    value = np.where(
        form == 0,
        rng.integers(-1_000_000, 1_000_000, len(num)),
        np.where(
            form == 1, rng.integers(0, 100, len(num)), rng.integers(-10_000, 10_000, len(num))
        ),
    )
    # Pieces per node before its children: the head (separator, key, opener) and the body
    # of a scalar (string characters with the closing quote; integer digits, ".frac",
    # exponent); containers add a tail (the closing bracket) after their children.
    size = (kind >= ARRAY) + 1
    size[strs] = 2
    size[num] = 2 + (form >= 2) + (form == 3)
    # Pieces per subtree, bottom-up.
    for level in range(MAX_LEVEL - 1, -1, -1):
        lo, hi, end = level_at[level], level_at[level + 1], level_at[level + 2]
        below = np.concatenate([[0], np.cumsum(size[hi:end])])
        last = first[lo:hi] + count[lo:hi] - hi
        size[lo:hi] += below[last] - below[first[lo:hi] - hi]
    # Position of each node's head piece, top-down; piece 0 is the document's "[".
    pos = np.cumsum(size) - size
    pos[RECORDS:] += 1 - pos[first[parent]]
    pos[:RECORDS] += 1
    for level in range(1, MAX_LEVEL + 1):
        lo, hi = level_at[level], level_at[level + 1]
        pos[lo:hi] += pos[parent[lo - RECORDS : hi - RECORDS]]

    total = 2 + int(size[:RECORDS].sum())
    off = np.zeros(total, dtype=np.int64)
    length = np.zeros(total, dtype=np.int64)
    off[0], length[0] = _FIXED[DOC_OPEN]
    off[-1], length[-1] = _FIXED[DOC_CLOSE]

    # Heads: separator class (first or later member/element/record), key, opener.
    head = np.empty(n, dtype=np.int64)
    head[:RECORDS] = _HEADS_AT[REC_NEXT]
    head[0] = _HEADS_AT[REC_FIRST]
    parent_r = r[parent]
    head[RECORDS:] = (
        _HEAD_BASE[parent_r] + (ordinal > 0) * _HEAD_NEXT[parent_r] + ordinal * _HEAD_STEP[parent_r]
    )
    head += kind
    head[num[value < 0]] += NEG_NUMBER - NUMBER
    off[pos] = _HEAD_OFF[head]
    length[pos] = _HEAD_LEN[head]
    tail = np.flatnonzero(kind >= ARRAY)
    end = pos[tail] + size[tail] - 1
    off[end] = _FIXED_OFF[CLOSE_ARR] + (kind[tail] == OBJECT) * (
        _FIXED_OFF[CLOSE_OBJ] - _FIXED_OFF[CLOSE_ARR]
    )
    length[end] = 1

    # Strings: the last 3..30 characters of a pool string, with its closing quote.
    which = rng.integers(0, _POOL_STRINGS, len(strs)) * (_MAX_CHARS + 1)
    start = _POOL_BOUND[which + rng.integers(0, _MAX_CHARS - 2, len(strs))]
    off[pos[strs] + 1] = start
    length[pos[strs] + 1] = _POOL_BOUND[which + _MAX_CHARS + 1] - start
    # Numbers: digits of |value|, then ".frac" and the exponent.
    at, digits = _digits(np.abs(value))
    off[pos[num] + 1], length[pos[num] + 1] = at + 1, digits
    frac = num[form >= 2]
    at, digits = _digits(rng.integers(0, 1_000_000, len(frac)))
    off[pos[frac] + 2], length[pos[frac] + 2] = at, digits + 1
    exp = num[form == 3]
    exponent = rng.integers(0, 60, len(exp))
    off[pos[exp] + 3], length[pos[exp] + 3] = _EXP_OFF[exponent], _EXP_LEN[exponent]
    return _gather(_DATA, off, length)
