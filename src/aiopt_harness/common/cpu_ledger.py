"""An optional ledger of what ran on which CPU, when: every measurement (the CPU under
its lease) and every compile (the CPUs it was allowed), so that a run can show from the
records that no two measurements shared a CPU and no compile ran on a measurement's CPU.

Set ``AIOPT_CPU_LEDGER`` to a file (``aiopt experiment run`` sets it to
``cpu_ledger.jsonl`` in the experiment directory); unset, nothing is recorded.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .jsonl import append_jsonl, read_jsonl

LEDGER_ENV = "AIOPT_CPU_LEDGER"
# The CPUs of the local LLM server (comma-separated), set where its clients run: each
# request to it is recorded as an interval on those CPUs.
LOCAL_LLM_CPUS_ENV = "AIOPT_LOCAL_LLM_CPUS"


def record_interval(kind: str, cpus: Iterable[int], start: float, end: float) -> None:
    """Appends one interval (``time.time()`` seconds) when the ledger is on."""
    path = os.environ.get(LEDGER_ENV)
    if not path:
        return
    record = {
        "kind": kind,
        "cpus": sorted(cpus),
        "start": start,
        "end": end,
        "pid": os.getpid(),
        "host": socket.gethostname(),
    }
    append_jsonl(Path(path), record)


@dataclass(frozen=True)
class Interval:
    kind: str  # measure, compile, llm, llm_request
    cpus: frozenset[int]
    start: float
    end: float
    pid: int
    host: str

    def overlaps(self, other: Interval) -> bool:
        return (
            self.host == other.host
            and bool(self.cpus & other.cpus)
            and self.start < other.end
            and other.start < self.end
        )


def read_ledger(path: Path) -> list[Interval]:
    intervals: list[Interval] = []
    for record in read_jsonl(path):  # a line cut by a kill is skipped there
        try:
            intervals.append(
                Interval(
                    str(record["kind"]),
                    frozenset(int(c) for c in record["cpus"]),
                    float(record["start"]),
                    float(record["end"]),
                    int(record.get("pid", 0)),
                    str(record.get("host", "")),
                )
            )
        except (ValueError, KeyError, TypeError):
            continue  # a record without the fields of an interval
    return intervals


def conflicts(intervals: list[Interval]) -> list[str]:
    """Every measurement that shared a CPU, at the same time on the same host, with
    another measurement, a compile or a request to the local LLM, described."""
    measures = [i for i in intervals if i.kind == "measure"]
    others = [i for i in intervals if i.kind in ("compile", "llm_request")]
    found = []
    for index, measure in enumerate(measures):
        for other in [*measures[index + 1 :], *others]:
            if measure.overlaps(other):
                found.append(
                    f"a measurement on CPU {sorted(measure.cpus)} (pid {measure.pid}) "
                    f"overlapped a {other.kind} on CPUs {sorted(other.cpus)} (pid {other.pid})"
                )
    return found


def summary(path: Path) -> str:
    """One line: what the ledger holds and whether anything shared a measurement's CPU."""
    intervals = read_ledger(path)
    if not intervals:
        return f"CPU ledger: unavailable: nothing recorded in {path}"
    kinds = ("measure", "compile", "llm_request")
    shown = ", ".join(f"{sum(1 for i in intervals if i.kind == k)} {k}" for k in kinds)
    found = conflicts(intervals)
    if not found:
        return (
            f"CPU ledger: {shown}; no measurement shared its CPU with another, a compile "
            "or a local LLM request"
        )
    return f"CPU ledger: {shown}; {len(found)} overlaps, first: {found[0]}"
