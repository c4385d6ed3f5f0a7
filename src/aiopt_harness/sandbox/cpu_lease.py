"""A cross-process lease on a measurement CPU: concurrent evaluations never run
candidate code on the same CPU at once (compiling happens outside the lease)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..common.locks import exclusive_lock


def default_cpu() -> int:
    """The last CPU this process may run on: where measurements run unless told."""
    return max(os.sched_getaffinity(0))


def lease_path(cpu: int) -> Path:
    """The lock file of one CPU, shared by every user of this machine's temp directory."""
    return Path(tempfile.gettempdir()) / f"aiopt-cpu-{cpu}.lock"


@contextmanager
def cpu_lease(cpu: int) -> Iterator[None]:
    """Holds the CPU's lease (blocking until it is free) for the ``with`` block.

    The lease is an flock: the kernel releases it when its holder dies, so a killed
    evaluation never leaves the CPU locked.
    """
    with exclusive_lock(lease_path(cpu), 0o666):
        yield
