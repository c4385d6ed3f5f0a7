import struct
from pathlib import Path

from aiopt_harness.tasks.output_check import describe_difference
from aiopt_harness.tasks.task import CheckSpec
from tests.conftest import ROOT

EXACT = CheckSpec("exact")


def floats(*values: float) -> bytes:
    return struct.pack(f"<{len(values)}d", *values)


def test_exact_equal() -> None:
    assert describe_difference(b"abc", b"abc", EXACT) is None


def test_exact_reports_first_differing_byte() -> None:
    message = describe_difference(b"abcdef", b"abXdeY", EXACT)
    assert message is not None
    assert "byte 2" in message and "0x63" in message and "0x58" in message


def test_exact_reports_length_difference() -> None:
    message = describe_difference(b"abcdef", b"abc", EXACT)
    assert message is not None and "3 bytes, expected 6" in message


def test_float64_within_tolerance() -> None:
    spec = CheckSpec("float64", rtol=1e-6, atol=0.0)
    assert describe_difference(floats(1.0, 2.0), floats(1.0000001, 2.0), spec) is None


def test_float64_reports_first_mismatch_and_count() -> None:
    spec = CheckSpec("float64", rtol=1e-9, atol=0.0)
    message = describe_difference(floats(1.0, 2.0, 3.0), floats(1.0, 2.5, 3.5), spec)
    assert message is not None
    assert "2 of 3" in message and "index 1" in message and "2.5" in message


def test_float64_nan_matches_only_nan() -> None:
    spec = CheckSpec("float64", rtol=1e-9)
    nan = float("nan")
    assert describe_difference(floats(nan), floats(nan), spec) is None
    assert describe_difference(floats(1.0), floats(nan), spec) is not None


def test_float64_rejects_ragged_and_short_output() -> None:
    spec = CheckSpec("float64")
    assert "whole number" in (describe_difference(floats(1.0), b"1234567", spec) or "")
    assert "1 float64 values, expected 2" in (
        describe_difference(floats(1.0, 2.0), floats(1.0), spec) or ""
    )


def test_key_value_requires_keys_and_values() -> None:
    spec = CheckSpec("key_value", require=(("valid", "1"),))
    assert describe_difference(b"", b"hit_rate=0.5\nvalid=1\n", spec) is None
    assert describe_difference(b"", b"hit_rate=0.5\nvalid=0\n", spec) == (
        "valid=0, expected valid=1"
    )
    assert "no valid=" in (describe_difference(b"", b"hit_rate=0.5\n", spec) or "")
    assert "not key=value" in (describe_difference(b"", b"garbage\n", spec) or "")
    assert "not UTF-8" in (describe_difference(b"", b"\xff\xfe", spec) or "")


def test_decompress_check_compares_decompressed_data(tmp_path: Path) -> None:
    decompressor = tmp_path / "decompress.py"
    decompressor.write_text(
        "def decompress(data, *, max_output=1 << 20):\n"
        "    if not data.startswith(b'Z'):\n"
        "        raise ValueError('bad magic')\n"
        "    return data[1:].replace(b'2', b'11')\n"
    )
    spec = CheckSpec("decompress", decompressor=decompressor)
    assert describe_difference(b"Z2", b"Z11", spec) is None  # different bytes, same data
    assert "differs" in (describe_difference(b"Z2", b"Z12", spec) or "")
    assert "ValueError: bad magic" in (describe_difference(b"Z2", b"X", spec) or "")


def test_a_decompression_bomb_is_rejected_at_the_reference_size() -> None:
    """lz_compress's real decompressor: a 10-byte stream that claims 2 GiB, and a valid
    stream whose one match expands to 4 MiB, against a 1 KiB reference."""
    spec = CheckSpec("decompress", decompressor=ROOT / "programs/lz_compress/decompress.py")
    data = bytes(range(256)) * 4
    reference = (len(data)).to_bytes(4, "little") + bytes([0xF0, 255, 255, 255, 244]) + data
    assert describe_difference(reference, reference, spec) is None
    claims = (2**31).to_bytes(4, "little") + bytes([0x10]) + b"a"
    assert "exceeds max_output 1024" in (describe_difference(reference, claims, spec) or "")
    expands = (4 << 20).to_bytes(4, "little") + bytes([0x1F]) + b"a" + b"\x01\x00"
    expands += b"\xff" * ((4 << 20) // 255) + b"\x00"
    assert "max_output 1024" in (describe_difference(reference, expands, spec) or "")


def test_the_initial_programs_own_bytes_pass_without_decoding(tmp_path: Path) -> None:
    """Byte-identical output passes at once (no decompression); any other output is still
    decoded and compared, and a key_value check always inspects the fields."""
    calls = tmp_path / "calls"
    decompressor = tmp_path / "decompress.py"
    decompressor.write_text(
        "from pathlib import Path\n"
        "def decompress(data, *, max_output=1 << 20):\n"
        f"    Path({str(calls)!r}).open('a').write('x')\n"
        "    return data[1:].replace(b'2', b'11')\n"
    )
    spec = CheckSpec("decompress", decompressor=decompressor)
    assert describe_difference(b"Z2", b"Z2", spec) is None
    assert not calls.exists()
    assert describe_difference(b"Z2", b"Z11", spec) is None
    assert calls.read_text() == "xx"  # expected and actual decoded
    assert (
        describe_difference(floats(float("nan")), floats(float("nan")), CheckSpec("float64"))
        is None
    )
    spec_kv = CheckSpec("key_value", require=(("valid", "1"),))
    assert describe_difference(b"valid=0\n", b"valid=0\n", spec_kv) is not None
