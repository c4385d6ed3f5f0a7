"""Statuses, and turning how a worker process ended into one with a clear message."""

from __future__ import annotations

import enum
import signal
from dataclasses import dataclass


class Status(enum.StrEnum):
    OK = "ok"
    COMPILE_ERROR = "compile_error"
    ABI_ERROR = "abi_error"
    CRASH = "crash"
    TIMEOUT = "timeout"
    WRONG_OUTPUT = "wrong_output"
    RESOURCE_LIMIT = "resource_limit"
    # the candidate's process did something outside its call or its process
    THREAD_LEFT_RUNNING = "thread_left_running"  # a thread alive, or CPU burnt, between calls
    CHILD_PROCESS = "child_process"  # it started a process
    EARLY_EXIT = "early_exit"  # it exited (any status) before it was told to
    CLOCK_MISMATCH = "clock_mismatch"  # its reported times disagree with the harness's clock
    PROTOCOL_ERROR = "protocol_error"  # its replies are not what the worker sends
    IMPLAUSIBLE = "implausible"  # a large speedup that a fresh re-measurement did not confirm
    # the harness's own fault (a counter read, a failed pin, an exception): never the
    # candidate's, never a 0 score charged to it
    HARNESS_ERROR = "harness_error"


@dataclass(frozen=True)
class Failure:
    """Why a candidate did not get (further) measured."""

    status: Status
    message: str
    stdout: str = ""
    stderr: str = ""


def signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def parse_crash_note(text: str) -> dict[str, str]:
    """The worker's crash note (``signal=11 address=0x... stack_overflow=1``)."""
    return dict(field.split("=", 1) for field in text.split() if "=" in field)


def signal_failure(
    number: int, note: dict[str, str], output_limit_mb: int, stderr: str = ""
) -> Failure:
    """The failure of a worker killed by signal ``number``."""
    name = signal_name(number)
    if number == signal.SIGXCPU:
        return Failure(Status.RESOURCE_LIMIT, "CPU time limit exceeded (SIGXCPU)", stderr=stderr)
    if number == signal.SIGXFSZ:
        return Failure(
            Status.RESOURCE_LIMIT,
            f"output limit exceeded: more than {output_limit_mb} MiB written to a file "
            "(stdout/stderr) (SIGXFSZ)",
            stderr=stderr,
        )
    if note.get("stack_overflow") == "1":
        return Failure(
            Status.RESOURCE_LIMIT,
            f"stack overflow: the stack size limit was reached ({name} at "
            f"{note.get('address', '?')})",
            stderr=stderr,
        )
    where = f" at address {note['address']}" if "address" in note else ""
    hint = " (killed from outside, e.g. by the out-of-memory killer)" if number == 9 else ""
    message = f"killed by {name} ({signal.strsignal(number)}){where}{hint}"
    if stderr:
        message += f"; stderr: {stderr}"
    return Failure(Status.CRASH, message, stderr=stderr)
