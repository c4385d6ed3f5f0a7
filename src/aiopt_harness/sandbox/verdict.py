"""Turning how a sandboxed run ended into a status and a clear message."""

from __future__ import annotations

import enum
import signal
from dataclasses import dataclass

from .launch import SandboxReport


class Status(enum.StrEnum):
    OK = "ok"
    COMPILE_ERROR = "compile_error"
    ABI_ERROR = "abi_error"
    CRASH = "crash"
    TIMEOUT = "timeout"
    WRONG_OUTPUT = "wrong_output"
    RESOURCE_LIMIT = "resource_limit"


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


def _tail(text: str, chars: int = 400) -> str:
    text = text.strip()
    return text if len(text) <= chars else "..." + text[-chars:]


def _with_stderr(message: str, report: SandboxReport) -> str:
    stderr = _tail(report.stderr)
    return f"{message}; stderr: {stderr}" if stderr else message


def failure_of(report: SandboxReport, timeout: float, output_limit_mb: int) -> Failure | None:
    """None when the run ended normally with status ok, else the failure."""
    streams = {"stdout": report.stdout, "stderr": report.stderr}
    if report.supervisor_failed is not None:
        return Failure(
            Status.TIMEOUT, f"harness supervisor failed: {report.supervisor_failed}", **streams
        )
    if report.timed_out:
        return Failure(
            Status.TIMEOUT, f"no result within the {timeout:g} s timeout; killed", **streams
        )
    if report.signal is not None:
        name = signal_name(report.signal)
        note = report.crash_note or {}
        if report.signal == signal.SIGXCPU:
            return Failure(Status.RESOURCE_LIMIT, "CPU time limit exceeded (SIGXCPU)", **streams)
        if report.signal == signal.SIGXFSZ:
            return Failure(
                Status.RESOURCE_LIMIT,
                f"output limit exceeded: more than {output_limit_mb} MiB written to "
                "stdout/stderr (SIGXFSZ)",
                **streams,
            )
        if note.get("stack_overflow") == "1":
            return Failure(
                Status.RESOURCE_LIMIT,
                f"stack overflow: the stack size limit was reached ({name} at "
                f"{note.get('address', '?')})",
                **streams,
            )
        where = f" at address {note['address']}" if "address" in note else ""
        hint = (
            " (killed from outside, e.g. by the out-of-memory killer)"
            if (report.signal == signal.SIGKILL)
            else ""
        )
        message = f"killed by {name} ({signal.strsignal(report.signal)}){where}{hint}"
        return Failure(Status.CRASH, _with_stderr(message, report), **streams)
    result = report.result
    if result is None:
        code = report.exit_code
        return Failure(
            Status.CRASH,
            _with_stderr(
                f"the process exited with status {code} before finishing "
                "(exit() or similar inside the candidate?)",
                report,
            ),
            **streams,
        )
    status = Status(result.get("status", "crash"))
    if status is not Status.OK:
        return Failure(status, str(result.get("message", "")), **streams)
    if report.left_behind:
        return Failure(
            Status.CRASH,
            f"the candidate left {report.left_behind} process(es) running; all were killed "
            "(candidates must not fork)",
            **streams,
        )
    return None
