"""Comparing a candidate's output bytes with the reference output."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path

import numpy as np

from .metric import OutputFormatError, parse_key_values
from .task import CheckSpec


def _exact_difference(expected: bytes, actual: bytes) -> str | None:
    if expected == actual:
        return None
    common = min(len(expected), len(actual))
    differs = np.flatnonzero(
        np.frombuffer(expected, np.uint8, common) != np.frombuffer(actual, np.uint8, common)
    )
    first = int(differs[0]) if differs.size else common
    if first == common:
        return (
            f"output has {len(actual)} bytes, expected {len(expected)} (equal up to byte {common})"
        )
    length_note = (
        ""
        if len(expected) == len(actual)
        else (f"; output has {len(actual)} bytes, expected {len(expected)}")
    )
    return (
        f"first difference at byte {first}: expected 0x{expected[first]:02x}, "
        f"got 0x{actual[first]:02x}{length_note}"
    )


def _float64_difference(expected: bytes, actual: bytes, spec: CheckSpec) -> str | None:
    if len(actual) % 8 != 0:
        return f"output has {len(actual)} bytes, not a whole number of float64 values"
    want = np.frombuffer(expected, dtype="<f8")
    got = np.frombuffer(actual, dtype="<f8")
    if want.shape != got.shape:
        return f"output has {got.size} float64 values, expected {want.size}"
    close = np.isclose(got, want, rtol=spec.rtol, atol=spec.atol, equal_nan=True)
    if bool(close.all()):
        return None
    wrong = np.flatnonzero(~close)
    first = int(wrong[0])
    return (
        f"{wrong.size} of {want.size} float64 values differ (rtol={spec.rtol:g}, "
        f"atol={spec.atol:g}); first at index {first}: expected {float(want[first])!r}, "
        f"got {float(got[first])!r}"
    )


def _key_value_difference(actual: bytes, spec: CheckSpec) -> str | None:
    try:
        values = parse_key_values(actual)
    except OutputFormatError as error:
        return str(error)
    for key, wanted in spec.require:
        if key not in values:
            return f"output has no {key}= line"
        if values[key] != wanted:
            return f"{key}={values[key]}, expected {key}={wanted}"
    return None


def load_decompressor(path: Path) -> Callable[[bytes], bytes]:
    """The ``decompress(data, *, max_output)`` function of a task's decompressor file
    (it must reject, with an exception, a stream that would decode past ``max_output``)."""
    spec = importlib.util.spec_from_file_location(f"aiopt_task_decompressor_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    function = getattr(module, "decompress", None)
    if not callable(function):
        raise ImportError(f"{path} defines no decompress(data) function")
    return function  # type: ignore[no-any-return]


def _decompress_difference(expected: bytes, actual: bytes, spec: CheckSpec) -> str | None:
    assert spec.decompressor is not None
    decompress = load_decompressor(spec.decompressor)
    want = decompress(expected)
    try:
        # Capped at the true size: a bomb (a header or matches that claim gigabytes) is
        # rejected before the decoder holds more than the reference's output.
        got = decompress(actual, max_output=len(want))  # type: ignore[call-arg]
    except Exception as error:  # the candidate's bytes may break the decoder any way
        return f"the task's decompressor rejects the output: {type(error).__name__}: {error}"
    difference = _exact_difference(want, got)
    return None if difference is None else f"decompressed output differs: {difference}"


# Check kinds that an output byte for byte equal to the initial program's passes (a
# key_value check inspects the output's own fields, so it always runs).
BYTE_IDENTITY_PASSES = frozenset({"exact", "float64", "decompress"})


def describe_difference(expected: bytes, actual: bytes, spec: CheckSpec) -> str | None:
    """None when ``actual`` passes the check, else a short description of the first difference."""
    if actual == expected and spec.kind in BYTE_IDENTITY_PASSES:
        return None  # the initial program's own output: no decoding or tolerance needed
    if spec.kind == "exact":
        return _exact_difference(expected, actual)
    if spec.kind == "float64":
        return _float64_difference(expected, actual, spec)
    if spec.kind == "key_value":
        return _key_value_difference(actual, spec)
    if spec.kind == "decompress":
        return _decompress_difference(expected, actual, spec)
    raise ValueError(f"unknown check kind {spec.kind!r}")
