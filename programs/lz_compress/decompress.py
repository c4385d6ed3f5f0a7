"""Pure-Python decompressor for the lz_compress task's output format.

Format: 4-byte little-endian original size, then sequences. Each sequence is
  token (high nibble: literal count, low nibble: match length - 4),
  extra literal-count bytes if the high nibble is 15 (each 255 means "continue"),
  the literals, then - unless the input ends after the literals - a 2-byte
  little-endian offset (1..65535) and extra match-length bytes if the low nibble is 15.
"""

MIN_MATCH = 4


def _length(data: bytes, i: int, n: int):
    while True:
        if i >= len(data):
            raise ValueError("truncated length")
        b = data[i]
        i += 1
        n += b
        if b != 255:
            return i, n


def decompress(data: bytes) -> bytes:
    data = bytes(data)
    if len(data) < 4:
        raise ValueError("missing header")
    size = int.from_bytes(data[:4], "little")
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
        out += data[i:i + nlit]
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
        start = len(out) - offset
        if offset >= mlen:
            out += out[start:start + mlen]
        else:
            # overlapping copy: repeat the last `offset` bytes
            chunk = bytes(out[start:])
            reps, rest = divmod(mlen, offset)
            out += chunk * reps + chunk[:rest]
    if len(out) != size:
        raise ValueError("size mismatch: header %d, decoded %d" % (size, len(out)))
    return bytes(out)


if __name__ == "__main__":
    import sys

    with open(sys.argv[1], "rb") as f:
        raw = decompress(f.read())
    sys.stdout.buffer.write(raw)
