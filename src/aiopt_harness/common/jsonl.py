"""JSON Lines files (one JSON object per line): the one appender and the one reader.

Every journal, ledger and log of the harness is appended to while other processes may
read it, and a kill may stop a writer halfway:

- ``append_jsonl`` writes one record as one line in one ``write(2)`` on a descriptor
  opened with ``O_APPEND``, then fsyncs: several writers never interleave within a
  line, and a kill loses at most the line being written.
- ``read_jsonl`` is lenient: a line that is not a JSON object (the torn last line of a
  killed writer, or a line a crash cut in the middle of the file) is skipped, the rest
  kept. What it skipped is not hidden: ``JsonLines.skipped`` lists each skipped line by
  its number with the reason (``torn`` says whether it was the file's last line, the
  expected case); blank lines are neither records nor skipped. A missing file reads as
  no records.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class SkippedLine:
    """A line ``read_jsonl`` did not return."""

    number: int  # 1-based line number in the file
    reason: str  # "not JSON: ..." or "not a JSON object: list"
    torn: bool  # it was the file's last line (a writer killed while appending)


@dataclass(frozen=True)
class JsonLines:
    """The records of a JSON Lines file, in file order, and the lines skipped."""

    records: tuple[dict[str, Any], ...]
    skipped: tuple[SkippedLine, ...] = ()

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)


def parse_jsonl(text: str) -> JsonLines:
    """The records of JSON Lines ``text`` (see ``read_jsonl``)."""
    lines = text.splitlines()
    records: list[dict[str, Any]] = []
    skipped: list[SkippedLine] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        torn = number == len(lines)
        try:
            record = json.loads(line)
        except ValueError as error:
            skipped.append(SkippedLine(number, f"not JSON: {error}", torn))
            continue
        if not isinstance(record, dict):
            skipped.append(SkippedLine(number, f"not a JSON object: {type(record).__name__}", torn))
            continue
        records.append(record)
    return JsonLines(tuple(records), tuple(skipped))


def read_jsonl(path: Path) -> JsonLines:
    """The records of the JSON Lines file at ``path`` (none if it does not exist); lines
    that are not JSON objects are skipped and listed in ``skipped``."""
    if not path.is_file():
        return JsonLines(())
    return parse_jsonl(path.read_text(errors="replace"))


def append_jsonl(path: Path, record: Mapping[str, Any]) -> None:
    """Appends ``record`` as one line in one ``write`` (whole lines even with several
    writers; a kill loses at most this line, which readers skip, and the next record
    starts a line of its own); creates the file and its directory if needed."""
    line = json.dumps(record) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        size = os.fstat(descriptor).st_size
        if size and os.pread(descriptor, 1, size - 1) != b"\n":
            line = "\n" + line  # a torn last line: end it, or this record joins it
        os.write(descriptor, line.encode())
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
