"""Finding and killing every descendant of a process, including ones that left its
process group or session (``setsid``). Works for a child subreaper, to which orphans of
its descendants are reparented."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import time
from pathlib import Path

from ..common.procfs import stat_fields

PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> None:
    """Orphaned descendants are reparented to this process instead of init."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"prctl(PR_SET_CHILD_SUBREAPER): {os.strerror(error)}")


def _parent_and_state(stat_line: str) -> tuple[int, str]:
    rest = stat_fields(stat_line)
    return int(rest[1]), rest[0]


def process_table() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, state letter) for every process visible in /proc."""
    table: dict[int, tuple[int, str]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            table[int(entry.name)] = _parent_and_state((entry / "stat").read_text())
        except (OSError, ValueError, IndexError):
            continue  # exited while we looked
    return table


def descendants(root: int) -> dict[int, str]:
    """pid -> state letter of every descendant of ``root``."""
    table = process_table()
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in table.items():
        children.setdefault(parent, []).append(pid)
    found: dict[int, str] = {}
    pending = list(children.get(root, []))
    while pending:
        pid = pending.pop()
        if pid in found:
            continue
        found[pid] = table[pid][1]
        pending.extend(children.get(pid, []))
    return found


def _reap_children() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def kill_descendants(root: int, give_up_after: float = 10.0) -> int:
    """SIGKILLs every descendant of ``root`` (the calling process, a subreaper) until none
    is left, reaping the ones reparented to it. Returns how many live (non-zombie)
    processes it found."""
    seen_alive: set[int] = set()
    deadline = time.monotonic() + give_up_after
    while True:
        found = descendants(root)
        for pid, state in found.items():
            if state != "Z":
                seen_alive.add(pid)
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        _reap_children()
        if not found or time.monotonic() > deadline:
            return len(seen_alive)
        time.sleep(0.002)
