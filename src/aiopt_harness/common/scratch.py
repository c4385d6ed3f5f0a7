"""Scratch directories that do not outlive their process by long.

A ``tempfile.TemporaryDirectory`` is removed when its ``with`` block ends, which a
process killed by a signal never reaches: an evaluation that OpenEvolve's timeout kills,
a Ray task cancelled, a run stopped with SIGKILL each leave their compiled copies behind
(a measurement session's scratch holds two dozen loaded copies; a day of evolution left
30 such directories, 1.1 GB, in ``/tmp`` on the development machine).

:func:`scratch_directory` puts every scratch directory under one directory per user,
``$TMPDIR/aiopt-UID/`` (0700, refused when it is not the user's own directory), and
names each after its owner: ``PREFIX-PID.START-random``, where START is the process's
start time in clock ticks since boot (so a reused PID is not taken for the owner).
Before it makes a new one it removes the directories whose owner is gone and that have
not changed for ``ORPHAN_AGE`` seconds (the age guards a directory whose owner lives in
another PID namespace and so looks gone from here).
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from .procfs import read_process_stat

ORPHAN_AGE = 600.0  # seconds unchanged before a directory of a gone owner is removed
_OWNED = re.compile(r"-(\d+)\.(\d+)-[^-]+$")


def scratch_root() -> Path:
    """``$TMPDIR/aiopt-UID``, made 0700 if missing; raises PermissionError when it
    exists but is not this user's own private directory (a symlink or another user's
    directory planted in a shared /tmp)."""
    root = Path(tempfile.gettempdir()) / f"aiopt-{os.getuid()}"
    with suppress(FileExistsError):
        root.mkdir(mode=0o700)
    info = os.lstat(root)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        raise PermissionError(f"{root} is not a directory of user {os.getuid()}")
    if stat.S_IMODE(info.st_mode) & 0o077:
        os.chmod(root, 0o700)
    return root


def _start_time(pid: int) -> int | None:
    try:
        return read_process_stat(pid).start_time
    except (OSError, ValueError, IndexError):
        return None


def owner_alive(name: str) -> bool | None:
    """Whether the process a scratch directory ``name`` belongs to still runs (None:
    not a name this module gave)."""
    found = _OWNED.search(name)
    if found is None:
        return None
    return _start_time(int(found.group(1))) == int(found.group(2))


def remove_orphans(root: Path, now: float | None = None) -> list[str]:
    """Removes the scratch directories under ``root`` whose owner is gone and which have
    not changed for ``ORPHAN_AGE`` seconds; returns their names."""
    now = time.time() if now is None else now
    removed = []
    for entry in os.scandir(root):
        if owner_alive(entry.name) is not False:
            continue
        try:
            if now - entry.stat(follow_symlinks=False).st_mtime < ORPHAN_AGE:
                continue
        except OSError:
            continue
        shutil.rmtree(entry.path, ignore_errors=True)
        removed.append(entry.name)
    return removed


@contextmanager
def scratch_directory(prefix: str) -> Iterator[Path]:
    """A new private directory (``aiopt-UID/PREFIX-PID.START-random``), removed with
    what it holds when the block ends; orphans of killed processes are removed first."""
    root = scratch_root()
    remove_orphans(root)
    pid = os.getpid()
    path = Path(tempfile.mkdtemp(prefix=f"{prefix}-{pid}.{_start_time(pid)}-", dir=root))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
