"""Exclusive cross-process locks (flock): released by the kernel when the holder dies."""

from __future__ import annotations

import errno
import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

DEFAULT_MODE = 0o644  # a new lock file's mode when none is asked for (limited by the umask)
OPEN_ATTEMPTS = 100  # rounds of "open existing / create new" lost to concurrent deleters


def open_lock_file(path: Path, mode: int | None = None) -> int:
    """A descriptor of the lock file ``path`` that flock works on, creating the file if
    it does not exist.

    An existing file is opened without ``O_CREAT``: read-write, else read-only (flock
    needs no write access), so a file another user created can be locked whenever it is
    readable, and Linux's ``fs.protected_regular`` (which forbids ``O_CREAT`` on another
    user's file in a sticky world-writable directory such as /tmp, whatever its mode)
    does not apply. A missing file is created with ``O_EXCL`` and then given exactly
    ``mode`` (``fchmod``: independent of the umask), or ``DEFAULT_MODE`` limited by the
    umask when ``mode`` is None. Symbolic links are never followed.
    """
    flags = os.O_CLOEXEC | os.O_NOFOLLOW
    for _ in range(OPEN_ATTEMPTS):
        try:
            return _open_existing(path, flags)
        except FileNotFoundError:
            pass
        try:
            descriptor = os.open(
                path,
                os.O_RDWR | os.O_CREAT | os.O_EXCL | flags,
                DEFAULT_MODE if mode is None else mode,
            )
        except FileExistsError:
            continue  # created by someone else since: open theirs
        if mode is not None:
            try:
                os.fchmod(descriptor, mode)
            except BaseException:
                os.close(descriptor)
                raise
        return descriptor
    raise OSError(errno.EAGAIN, "lock file keeps appearing and disappearing", str(path))


def _open_existing(path: Path, flags: int) -> int:
    try:
        return os.open(path, os.O_RDWR | flags)
    except PermissionError:
        pass
    try:
        return os.open(path, os.O_RDONLY | flags)
    except PermissionError as error:
        raise PermissionError(
            error.errno,
            f"cannot open the lock file {path} (owned by uid {_owner(path)}) even read-only: "
            "its owner can make it usable with chmod 0666, or remove it",
            str(path),
        ) from error


def _owner(path: Path) -> str:
    try:
        return str(path.lstat().st_uid)
    except OSError:
        return "?"


@contextmanager
def exclusive_lock(path: Path, mode: int | None = None) -> Iterator[None]:
    """Holds an exclusive flock on ``path`` for the ``with`` block, blocking until it is
    free. A missing ``path`` is created (see :func:`open_lock_file` for ``mode``)."""
    descriptor = open_lock_file(path, mode)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing releases the flock
