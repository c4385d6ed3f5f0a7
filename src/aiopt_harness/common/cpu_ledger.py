"""An optional ledger of what ran on which CPU, when: every measurement (the CPU under
its lease) and every compile (the CPUs it was allowed), so that a run can show from the
records that no two measurements shared a CPU and no compile ran on a measurement's CPU.

Set ``AIOPT_CPU_LEDGER`` to a file (``aiopt experiment run`` sets it to
``cpu_ledger.jsonl`` in the experiment directory); unset, nothing is recorded.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterable
from pathlib import Path

from .files import append_line

LEDGER_ENV = "AIOPT_CPU_LEDGER"


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
    append_line(Path(path), json.dumps(record))
