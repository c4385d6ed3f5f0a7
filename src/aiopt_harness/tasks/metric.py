"""Reading ``key=value`` text output: the format of output-metric tasks."""

from __future__ import annotations

import math


class OutputFormatError(ValueError):
    """The output is not UTF-8 ``key=value`` lines."""


def parse_key_values(output: bytes) -> dict[str, str]:
    """Non-empty lines of ``key=value``; the last of repeated keys wins."""
    try:
        text = output.decode("utf-8")
    except UnicodeDecodeError as error:
        raise OutputFormatError(f"output is not UTF-8 text ({error.reason})") from error
    values: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        key, separator, value = line.partition("=")
        if not separator or not key.strip():
            shown = line if len(line) <= 60 else line[:60] + "..."
            raise OutputFormatError(f"output line {number} is not key=value: {shown!r}")
        values[key.strip()] = value.strip()
    return values


def metric_value(output: bytes, metric: str) -> float:
    """The finite float on the output's ``metric=`` line."""
    values = parse_key_values(output)
    if metric not in values:
        raise OutputFormatError(f"output has no {metric}= line")
    try:
        value = float(values[metric])
    except ValueError as error:
        raise OutputFormatError(f"{metric}={values[metric]!r} is not a number") from error
    if not math.isfinite(value):
        raise OutputFormatError(f"{metric}={values[metric]} is not finite")
    return value
