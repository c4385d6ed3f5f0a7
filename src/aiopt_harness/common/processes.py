"""Running a command in a process group of its own, killed as a whole on timeout.

The one place that starts helper processes with a deadline: the compiler, the external
profilers and the tests' helpers go through it, so a timeout or an interrupt
never leaves a process of theirs behind.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class GroupRun:
    """How a command ended."""

    returncode: int | None  # None: killed at the timeout
    stdout: str
    stderr: str

    @property
    def timed_out(self) -> bool:
        return self.returncode is None


def kill_group(process: subprocess.Popen[Any]) -> None:
    """SIGKILLs the process group led by ``process`` and reaps its leader."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def run_in_group(
    command: Sequence[str],
    *,
    timeout: float,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    merge_stderr: bool = False,
    pass_fds: tuple[int, ...] = (),
    cpus: frozenset[int] | None = None,
) -> GroupRun:
    """Runs ``command`` to its end or ``timeout``; captures its output as text.

    ``env`` is the whole environment (None: this process's). With ``merge_stderr`` the
    command's stderr is part of ``stdout``. ``cpus``: the CPUs the command (and all it
    starts) may run on, set before it runs (by ``taskset``).
    """
    argv = list(command)
    if cpus is not None:
        argv = ["taskset", "--cpu-list", ",".join(map(str, sorted(cpus))), *argv]
    process = subprocess.Popen(
        argv,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if merge_stderr else subprocess.PIPE,
        text=True,
        errors="replace",
        start_new_session=True,
        pass_fds=pass_fds,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        return GroupRun(None, stdout or "", stderr or "")
    finally:
        if process.poll() is None:
            kill_group(process)
    return GroupRun(process.returncode, stdout or "", stderr or "")


PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Has the kernel SIGKILL this process when its parent dies (not inherited by
    children). For OpenEvolve's worker processes: its controller killed with ``kill -9``
    must not leave workers that go on evaluating and writing a run's state."""
    import ctypes

    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() == 1:  # the parent is gone already
        os.kill(os.getpid(), signal.SIGKILL)
