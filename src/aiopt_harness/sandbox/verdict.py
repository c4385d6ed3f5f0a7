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
    SANDBOX_VIOLATION = "sandbox_violation"  # a system call the sandbox forbids (SIGSYS)
    # the sandbox lacks a layer and containment was required: nothing was run
    CONTAINMENT_UNAVAILABLE = "containment_unavailable"
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


# The calls the worker's seccomp filter traps (src/cpp/seccomp_filter.cpp), x86-64 numbers.
TRAPPED_CALLS = {
    56: "clone (a new process)", 57: "fork", 58: "vfork", 59: "execve", 322: "execveat",
    298: "perf_event_open", 41: "socket", 53: "socketpair", 42: "connect", 49: "bind",
    50: "listen", 43: "accept", 288: "accept4", 44: "sendto", 46: "sendmsg", 307: "sendmmsg",
    101: "ptrace", 310: "process_vm_readv", 311: "process_vm_writev", 434: "pidfd_open",
    438: "pidfd_getfd", 424: "pidfd_send_signal", 312: "kcmp", 200: "tkill", 112: "setsid",
    109: "setpgid", 272: "unshare", 308: "setns", 165: "mount", 166: "umount2",
    155: "pivot_root", 161: "chroot", 429: "move_mount", 428: "open_tree", 430: "fsopen",
    432: "fsmount", 431: "fsconfig", 433: "fspick", 425: "io_uring_setup",
    426: "io_uring_enter", 427: "io_uring_register", 321: "bpf", 323: "userfaultfd",
    250: "keyctl", 248: "add_key", 249: "request_key", 135: "personality",
    62: "kill (another process)", 234: "tgkill (another process)",
    129: "rt_sigqueueinfo (another process)", 297: "rt_tgsigqueueinfo (another process)",
}  # fmt: skip


def violation_failure(note: dict[str, str], stderr: str = "") -> Failure:
    """The failure of a worker the seccomp filter stopped."""
    if note.get("syscall", "").isdigit():
        number = int(note["syscall"])
        name = f"{TRAPPED_CALLS.get(number, 'system call')} (x86-64 #{number})"
    else:  # SIGSYS was blocked (posix_spawn, system()): the kernel killed it unannounced
        name = "unknown (SIGSYS was blocked, as in system() and posix_spawn)"
    return Failure(
        Status.SANDBOX_VIOLATION,
        f"forbidden system call: {name}; the sandbox allows no network, "
        "new processes, exec, ptrace or signals outside the candidate's own process",
        stderr=stderr,
    )


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
    if number == signal.SIGSYS:  # only the seccomp filter sends it (or the candidate itself)
        return violation_failure(note, stderr)
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
