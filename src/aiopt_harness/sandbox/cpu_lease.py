"""A cross-process lease on a measurement CPU: concurrent evaluations never run
candidate code on the same CPU at once (compiling happens outside the lease)."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..common.cpu_ledger import record_interval
from ..common.cpus import default_cpu
from ..common.locks import exclusive_lock

__all__ = ["cpu_lease", "default_cpu", "lease_path"]


LEASE_MODE = 0o666  # every user of the machine takes the same leases


def lease_path(cpu: int, directory: Path | None = None) -> Path:
    """The lock file of one CPU, shared by every user of this machine's temp directory
    (or of ``directory``)."""
    base = Path(tempfile.gettempdir()) if directory is None else directory
    return base / f"aiopt-cpu-{cpu}.lock"


@contextmanager
def cpu_lease(cpu: int, directory: Path | None = None) -> Iterator[None]:
    """Holds the CPU's lease (blocking until it is free) for the ``with`` block.

    The lease is an flock: the kernel releases it when its holder dies, so a killed
    evaluation never leaves the CPU locked. Whoever comes first creates the lock file,
    mode 0666 whatever its umask; later users, whoever they are, open it as it is.
    """
    with exclusive_lock(lease_path(cpu, directory), LEASE_MODE):
        started = time.time()
        try:
            yield
        finally:
            record_interval("measure", (cpu,), started, time.time())
