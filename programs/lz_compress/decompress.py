"""Pure-Python decompressor for the lz_compress task's output format.

Format: 4-byte little-endian original size, then sequences. Each sequence is
  token (high nibble: literal count, low nibble: match length - 4),
  extra literal-count bytes if the high nibble is 15 (each 255 means "continue"),
  the literals, then - unless the input ends after the literals - a 2-byte
  little-endian offset (1..65535) and extra match-length bytes if the low nibble is 15.

The output is capped: a stream that claims or decodes to more than ``max_output`` bytes
(default 64 MiB) is rejected with ValueError before that much memory is used.
"""

from __future__ import annotations

MIN_MATCH = 4
MAX_OUTPUT = 64 << 20


def _length(data: bytes, i: int, n: int) -> tuple[int, int]:
    while True:
        if i >= len(data):
            raise ValueError("truncated length")
        b = data[i]
        i += 1
        n += b
        if b != 255:
            return i, n


def decompress(data: bytes, *, max_output: int = MAX_OUTPUT) -> bytes:
    data = bytes(data)
    if len(data) < 4:
        raise ValueError("missing header")
    size = int.from_bytes(data[:4], "little")
    if size > max_output:
        raise ValueError(f"header size {size} exceeds max_output {max_output}")
    out = bytearray()
    i = 4
    end = len(data)
    while i < end:
        token = data[i]
        i += 1
        nlit = token >> 4
        if nlit == 15:
            i, nlit = _length(data, i, nlit)
        if i + nlit > end:
            raise ValueError("truncated literals")
        if len(out) + nlit > size:
            raise ValueError(f"output exceeds header size {size}")
        out += data[i : i + nlit]
        i += nlit
        if i == end:
            break
        if i + 2 > end:
            raise ValueError("truncated offset")
        offset = data[i] | (data[i + 1] << 8)
        i += 2
        mlen = token & 15
        if mlen == 15:
            i, mlen = _length(data, i, mlen)
        mlen += MIN_MATCH
        if offset == 0 or offset > len(out):
            raise ValueError("bad offset")
        if len(out) + mlen > size:
            raise ValueError(f"output exceeds header size {size}")
        start = len(out) - offset
        if offset >= mlen:
            out += out[start : start + mlen]
        else:
            # overlapping copy: repeat the last `offset` bytes
            chunk = bytes(out[start:])
            reps, rest = divmod(mlen, offset)
            out += chunk * reps + chunk[:rest]
    if len(out) != size:
        raise ValueError(f"size mismatch: header {size}, decoded {len(out)}")
    return bytes(out)


if __name__ == "__main__":
    import sys

    with open(sys.argv[1], "rb") as f:
        raw = decompress(f.read())
    sys.stdout.buffer.write(raw)
