"""Exclusive cross-process locks (flock): released by the kernel when the holder dies."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def exclusive_lock(path: Path, mode: int = 0o644) -> Iterator[None]:
    """Holds an exclusive flock on ``path`` (created with ``mode`` if missing) for the
    ``with`` block, blocking until it is free."""
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, mode)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing releases the flock
