"""The build cache's integrity: every cached artifact is recorded with its SHA-256 when
written and checked against it on every use.

Artifact ``X`` has a sidecar ``X.sha256`` holding the hex digest of its content, written
(atomically) right after ``X`` is moved into place; writers and checkers hold ``X.lock``.
An entry whose content does not match its sidecar, or which has none, counts as tampered
with: the caller deletes it, builds it again and reports the repair.

What this catches: a cached file replaced or corrupted by anything that does not also
rewrite the sidecar. The check happens when a path is handed out; whoever loads the file
later opens it by path again.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ..common.locks import exclusive_lock

SIDECAR_SUFFIX = ".sha256"
LOCK_SUFFIX = ".lock"


class CacheRepairWarning(UserWarning):
    """A damaged cache entry was rebuilt, and the caller collected no repair reports."""


def sidecar_path(artifact: Path) -> Path:
    return artifact.with_name(artifact.name + SIDECAR_SUFFIX)


@contextmanager
def entry_lock(artifact: Path) -> Iterator[None]:
    """Holds the cache entry's lock: checking, deleting and writing happen under it."""
    with exclusive_lock(artifact.with_name(artifact.name + LOCK_SUFFIX)):
        yield


@dataclass(frozen=True)
class EntryCheck:
    """What a cached artifact was found to be."""

    present: bool  # something is at the artifact's path
    problem: str | None = None  # why a present artifact must not be used (None: intact)

    @property
    def intact(self) -> bool:
        return self.present and self.problem is None


def _recorded_digest(artifact: Path) -> str | None:
    try:
        return sidecar_path(artifact).read_text().strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except (OSError, UnicodeDecodeError):
        return ""  # unreadable: matches nothing


def check_entry(artifact: Path) -> EntryCheck:
    """Hashes ``artifact`` (once) and compares it with its recorded SHA-256."""
    try:
        descriptor = os.open(artifact, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        return EntryCheck(present=False)
    except OSError:  # a symbolic link (ELOOP), a directory we cannot read...
        return EntryCheck(present=True, problem="not a readable regular file")
    with os.fdopen(descriptor, "rb") as stream:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return EntryCheck(present=True, problem="not a regular file")
        digest = hashlib.file_digest(stream, "sha256").hexdigest()
    recorded = _recorded_digest(artifact)
    if recorded is None:
        return EntryCheck(present=True, problem="no sha256 recorded")
    if not hmac.compare_digest(recorded, digest):
        return EntryCheck(present=True, problem="sha256 mismatch")
    return EntryCheck(present=True)


def discard(artifact: Path) -> None:
    """Deletes a cache entry: the artifact (whatever it is) and its sidecar."""
    try:
        artifact.unlink(missing_ok=True)
    except IsADirectoryError:
        shutil.rmtree(artifact)
    sidecar_path(artifact).unlink(missing_ok=True)


def publish(temporary: Path, artifact: Path) -> None:
    """Moves the finished ``temporary`` into place as ``artifact``, then records its SHA-256
    (both steps atomic). Call with the entry's lock held."""
    with temporary.open("rb") as stream:
        digest = hashlib.file_digest(stream, "sha256").hexdigest()
    os.replace(temporary, artifact)
    descriptor, name = tempfile.mkstemp(
        dir=artifact.parent, prefix=f".{artifact.name}.", suffix=".sha256.tmp"
    )
    try:
        with os.fdopen(descriptor, "w") as out:
            out.write(digest + "\n")
        os.replace(name, sidecar_path(artifact))
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def entry_name(artifact: Path, root: Path) -> str:
    """The entry's path relative to the cache ``root``, for messages."""
    try:
        return str(artifact.relative_to(root))
    except ValueError:
        return str(artifact)


def repair_message(artifact: Path, problem: str, root: Path) -> str:
    """How a rebuilt entry is reported."""
    return f"cache: rebuilt tampered entry {entry_name(artifact, root)} ({problem})"
