"""lz_compress: the trusted side, one buffer of compressible text-like data per seed.

The byte layouts of params() and generate() are documented in NOTES.md ("Input and output
layout"). The data has the character of the old program's in-init generator: words from a
skewed 2 000-word vocabulary (drawn fresh for every seed) with punctuation, ~8 % of events
copies of an earlier phrase (8..127 bytes from up to 60 000 bytes back) and ~2 % bursts of
4..63 random bytes. Words and noise are laid out with numpy; the ~2 000 phrase copies are
applied in order by a Python loop over a bytearray.
"""

from __future__ import annotations

import struct

import numpy as np

SIZE = 300_000  # bytes per input
VOCAB = 2000
MAX_BACK = 60_000
COPY_AFTER = 1000  # no phrase copies before this many bytes exist (noise instead)
_EVENTS = SIZE // 9  # mean event length is ~12.4 bytes, so this is always enough
_PUNCT = np.frombuffer(b".,\n" + b" " * 13, dtype=np.uint8)  # 1/16 each for ".", ",", "\\n"


def params() -> bytes:
    """The nominal input size (uint32 LE); aiopt_init reserves scratch for it."""
    return struct.pack("<I", SIZE)


def generate(seed: int) -> bytes:
    """SIZE bytes of text-like data with repeated phrases and noise bursts."""
    rng = np.random.Generator(np.random.PCG64(seed))
    # the vocabulary: VOCAB words of 2..10 lowercase letters, fresh for every seed
    word_len = rng.integers(2, 11, VOCAB, dtype=np.int32)
    word_start = np.cumsum(word_len, dtype=np.int32) - word_len
    letters = rng.integers(ord("a"), ord("z") + 1, int(word_start[-1] + word_len[-1]), np.uint8)

    # events: 0 = word (90 %), 1 = phrase copy (8 %), 2 = noise burst (2 %)
    n = _EVENTS
    r = rng.integers(0, 100, n, dtype=np.int32)
    kind = (r < 8).astype(np.int8) + 2 * ((r >= 8) & (r < 10))
    a = rng.integers(1, VOCAB + 1, n, dtype=np.int32)
    word = (rng.random(n) * a).astype(np.int32)  # skewed towards the start of the vocabulary
    copy_len = rng.integers(8, 128, n, dtype=np.int32)
    noise_len = rng.integers(4, 64, n, dtype=np.int32)
    length = np.where(kind == 0, word_len[word] + 1, np.where(kind == 1, copy_len, noise_len))
    start = np.cumsum(length, dtype=np.int32) - length
    early = (kind == 1) & (start <= COPY_AFTER)  # too early to copy: a noise burst instead
    kind[early] = 2
    length[early] = noise_len[early]
    start = np.cumsum(length, dtype=np.int32) - length
    last = int(np.searchsorted(start, SIZE))  # events [0, last) start before SIZE
    kind, word, length, start = kind[:last], word[:last], length[:last], start[:last]
    total = int(start[-1] + length[-1])
    is_word, is_copy, is_noise = kind == 0, kind == 1, kind == 2

    # bytes of word and noise events are consecutive pool bytes from src[e] on
    noise_total = int(length[is_noise].sum())
    punct_at = letters.size + noise_total
    pool = np.concatenate([letters, rng.integers(0, 256, noise_total, np.uint8), _PUNCT])
    src = np.zeros(last, dtype=np.int32)  # copies read pool bytes too, overwritten below
    src[is_word] = word_start[word[is_word]]
    src[is_noise] = letters.size + np.cumsum(length[is_noise], dtype=np.int32) - length[is_noise]
    step = np.ones(total, dtype=np.int32)
    step[0] = src[0]
    step[start[1:]] = src[1:] - src[:-1] - length[:-1] + 1
    addr = np.cumsum(step, dtype=np.int32)
    addr[(start + length - 1)[is_word]] = punct_at + rng.integers(0, 16, int(is_word.sum()))
    out = bytearray(pool[addr])

    # phrase copies, in order: each reads the finished bytes up to 60 000 back
    cstart = start[is_copy]
    back = 1 + rng.integers(0, np.minimum(cstart, MAX_BACK), dtype=np.int32)
    for p, d, n_copy in zip(cstart.tolist(), back.tolist(), length[is_copy].tolist(), strict=True):
        if d >= n_copy:
            out[p : p + n_copy] = out[p - d : p - d + n_copy]
        else:  # overlapping, as a byte-by-byte copy would: repeat the last d bytes
            out[p : p + n_copy] = (out[p - d : p] * (n_copy // d + 1))[:n_copy]
    del out[SIZE:]
    return bytes(out)
