"""The aiopt-worker wire protocol, read from its one definition (``worker_wire.def``, which
the C++ worker compiles in): op codes, frame sizes, exit codes and fixed texts. Pure
Python, parsed once at import; a definition this parser cannot read is an ImportError, so
the two sides can never silently disagree."""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from pathlib import Path

DEFINITION = Path(__file__).with_name("worker_wire.def")
_ENTRY = re.compile(
    r"^AIOPT_(?P<kind>SIZE|OP|EXIT|TEXT)\((?P<name>k\w+), "
    r"(?P<value>'.'|\d+|\"(?:[^\"\\]|\\.)*\")(?:, \"(?P<what>(?:[^\"\\]|\\.)*)\")?\)$"
)


@dataclass(frozen=True)
class Entry:
    kind: str  # SIZE, OP, EXIT or TEXT
    name: str  # the C++ name (kRun, kExitUsage, ...)
    value: int | str  # a size, exit code, op character or text
    what: str


def parse(text: str) -> dict[str, Entry]:
    """Every entry of a definition, by name; raises ValueError on a line it cannot read."""
    entries: dict[str, Entry] = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("//"):
            continue
        match = _ENTRY.match(line)
        if match is None:
            raise ValueError(f"{DEFINITION.name}:{number}: cannot read {line!r}")
        raw = match["value"]
        value: int | str = (
            raw[1] if raw.startswith("'") else raw.strip('"') if raw.startswith('"') else int(raw)
        )
        entries[match["name"]] = Entry(match["kind"], match["name"], value, match["what"] or "")
    return entries


def _load() -> dict[str, Entry]:
    try:
        return parse(DEFINITION.read_text())
    except (OSError, ValueError) as error:
        raise ImportError(f"the worker protocol definition is unreadable: {error}") from error


ENTRIES = _load()


def _value(name: str, kind: str) -> int | str:
    entry = ENTRIES[name]
    if entry.kind != kind:
        raise KeyError(f"{name} is an {entry.kind} entry, not {kind}")
    return entry.value


def op(name: str) -> str:
    """An op code's character (``op("kRun") == "R"``)."""
    return str(_value(name, "OP"))


def size(name: str) -> int:
    return int(_value(name, "SIZE"))


def exit_code(name: str) -> int:
    return int(_value(name, "EXIT"))


def text(name: str) -> str:
    return str(_value(name, "TEXT"))


# The frame (both directions): u8 op | u64 payload_len; a 'D' reply's fixed part.
HEADER = struct.Struct("<BQ")
DONE = struct.Struct("<QQQI")  # wall_ns, cpu_ns, n, counter_count
if HEADER.size != size("kHeaderBytes") or DONE.size != size("kDoneFixedBytes"):
    raise ImportError("the frame layout here disagrees with worker_wire.def")

# What each exit status of aiopt-worker means (before 'Q' was answered)
EXIT_CODES = {e.value: e.what for e in ENTRIES.values() if e.kind == "EXIT"}
