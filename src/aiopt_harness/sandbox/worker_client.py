"""The trusted side of one ``aiopt-worker`` process: start it, talk to it, watch it.

The worker (src/cpp/worker_main.cpp) is a fresh executable, not a fork of Python: it is
exec'd with an explicit minimal environment, a private scratch directory as its working
directory and only its two protocol pipes open. Before it loads the candidate it enters
its sandbox (src/cpp/sandbox.h): Landlock lets it read the system libraries and its
shared object and write only the scratch directory; seccomp stops sockets, new processes,
exec, ptrace and signals to anything else (a trapped call ends it with SIGSYS, named in
its crash note). Its report of the active layers is ``containment``. It holds one
candidate and answers requests (framing: ``u8 op | u64 payload_len | payload``,
little-endian). Nothing it says is trusted: after every call this side reads from
``/proc`` how many threads the process has, whether it has children, and how much CPU it
used, and it times every round trip with its own clock.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import select
import signal
import struct
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from ..common.procfs import read_process_stat, read_schedstat
from . import wire
from .containment import Containment, read_report
from .process_tree import descendants
from .run_queue import SchedProbe, SchedReading
from .verdict import Failure, Status, parse_crash_note, signal_failure

# The op codes, exit codes and frame layout: worker_wire.def, through wire.py
PARAMS, RUN, STATUS, QUIT = (wire.op(n) for n in ("kParams", "kRun", "kStatus", "kQuit"))
OK, DONE_OP, STATUS_REPLY, BYE = (wire.op(n) for n in ("kOk", "kDone", "kStatusReply", "kBye"))
ERROR, THREW, OUT_OF_MEMORY = (wire.op(n) for n in ("kError", "kThrew", "kOutOfMemory"))
EXIT_CONTAINMENT = wire.exit_code("kExitContainment")
EXIT_ABI_ERROR = wire.exit_code("kExitAbiError")
EXIT_LOAD_ERROR = wire.exit_code("kExitLoadError")
# The serve loop's exits: a short read on the request pipe, a failed reply write, a
# protocol descriptor that is no longer the pipe it was at start
PROTOCOL_FD_EXIT_CODES = tuple(
    wire.exit_code(n) for n in ("kExitShortRead", "kExitReplyFailed", "kExitDescriptorsTampered")
)
DESCRIPTORS_TAMPERED = wire.text("kDescriptorsTampered")
# Only these reach the candidate's process: no keys, no tokens, no home.
ENVIRONMENT = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "OMP_NUM_THREADS": "1"}


def candidate_environment(scratch: Path) -> dict[str, str]:
    """The whole environment of a process that runs candidate code."""
    return {**ENVIRONMENT, "HOME": str(scratch), "TMPDIR": str(scratch)}


@dataclass(frozen=True)
class SandboxSettings:
    """How strict the sandbox must be, and test hooks that make layers fail."""

    require_containment: bool = False  # refuse to load a candidate into a partial sandbox
    inject_sandbox_errno: str = ""  # testing: "landlock=38,seccomp=22"

    def worker_args(self) -> list[str]:
        args = ["--require-containment", "yes" if self.require_containment else "no"]
        if self.inject_sandbox_errno:
            args += ["--inject-sandbox-errno", self.inject_sandbox_errno]
        return args


def installed_binary(name: str) -> Path:
    """An executable installed next to the C++ core (found without loading the core)."""
    spec = importlib.util.find_spec("aiopt_harness._core")
    if spec is None or spec.origin is None:
        raise FileNotFoundError("the aiopt_harness._core extension is not installed")
    path = Path(spec.origin).parent / "bin" / name
    if not path.is_file():
        raise FileNotFoundError(f"{name} is not installed at {path}; reinstall the package")
    return path


def worker_path() -> Path:
    """The installed ``aiopt-worker`` executable."""
    return installed_binary("aiopt-worker")


class WorkerFailed(Exception):
    """The worker did not answer as the protocol says; ``failure`` says why."""

    def __init__(self, status: Status, message: str, stderr: str = "") -> None:
        super().__init__(message)
        self.failure = Failure(status, message, stderr=stderr)


@dataclass(frozen=True)
class Limits:
    """What a worker may use: set by the worker on itself before the candidate loads."""

    memory_limit_mb: int = 2048  # address space beyond the worker's own
    output_limit_mb: int = 64  # largest file (stdout, stderr) it may write
    cpu_limit_s: int = 60  # CPU time of the whole process


@dataclass(frozen=True)
class CallReply:
    """One timed call as the worker reported it, and this side's own observations."""

    wall_ns: int  # reported by the worker
    cpu_ns: int  # reported by the worker (thread CPU time)
    output: bytes
    counters: tuple[float, ...]
    observed_ns: int  # this side's round trip: request written .. reply read
    # read from outside over the round trip (sandbox/run_queue.py); None where the
    # kernel does not account it: the run-queue wait for other processes, and the CPU
    # time of the whole process (every thread)
    waited_ns: int | None = None
    process_cpu_ns: int | None = None

    @property
    def cost_ns(self) -> int:
        """The call's wall time without the time other processes held its CPU: at most
        the run-queue wait seen from outside, and never more than the wall time minus the
        CPU time all its threads used over the round trip. That bound keeps out the wait
        before and after the timed region (the wake-up, the reply), which a call whose
        own thread barely runs (it yields to a helper) would otherwise shed too."""
        if self.waited_ns is None or self.process_cpu_ns is None:
            return self.wall_ns
        return self.wall_ns - min(self.waited_ns, max(0, self.wall_ns - self.process_cpu_ns))


@dataclass(frozen=True)
class ProcessStats:
    """What the kernel accounts for the worker process."""

    threads: int
    children: tuple[int, ...]
    cpu_ns: int  # user + system time of all its threads, from /proc/PID/stat


def _clock_ticks() -> int:
    return os.sysconf("SC_CLK_TCK")


class Worker:
    """One ``aiopt-worker`` holding one loaded copy of one program."""

    def __init__(
        self,
        shared_object: Path,
        *,
        cpu: int,
        out_cap: int,
        directory: Path,
        limits: Limits,
        counters: str = "none",  # none, default, or groups: "a,b;c"
        layout_seed: int = 0,
        inject_counter_errno: str = "",  # testing: "cycles=2,task-clock=13"
        sandbox: SandboxSettings = SandboxSettings(),
    ) -> None:
        # ``directory`` holds what this side reads (crash note, output, sandbox report);
        # ``directory/scratch`` is the one place the candidate may write.
        directory.mkdir(parents=True, exist_ok=True)
        scratch = directory / "scratch"
        scratch.mkdir(mode=0o700)
        request_read, self._request = os.pipe()
        self._reply, reply_write = os.pipe()
        command = [
            str(worker_path()),
            "--so",
            str(shared_object),
            "--cpu",
            str(cpu),
            "--out-cap",
            str(out_cap),
            "--request-fd",
            str(request_read),
            "--reply-fd",
            str(reply_write),
            *(["--counters", counters] if counters != "default" else []),
            "--layout-seed",
            str(layout_seed),
            "--memory-limit-mb",
            str(limits.memory_limit_mb),
            "--file-limit-mb",
            str(limits.output_limit_mb),
            "--cpu-limit-s",
            str(limits.cpu_limit_s),
            "--crash-note",
            str(directory / "crash_note.txt"),
            "--write",
            str(scratch),
            "--sandbox-report",
            str(directory / "containment.txt"),
            *sandbox.worker_args(),
        ]
        if inject_counter_errno:
            command += ["--inject-counter-errno", inject_counter_errno]
        self.directory = directory
        self.scratch = scratch
        self.limits = limits
        self.stdout_path = directory / "stdout.txt"
        self.stderr_path = directory / "stderr.txt"
        self._containment: Containment | None = None
        with self.stdout_path.open("wb") as out, self.stderr_path.open("wb") as err:
            self.process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                cwd=scratch,
                env=candidate_environment(scratch),
                pass_fds=(request_read, reply_write),
                start_new_session=True,
            )
        os.close(request_read)
        os.close(reply_write)
        self.pid = self.process.pid
        probe = SchedProbe.open(self.pid)
        self._sched = probe if isinstance(probe, SchedProbe) else None
        self.sched_unavailable = probe if isinstance(probe, str) else None
        self._buffer = bytearray()
        self._timeout = 0.0
        self.busy_ns = 0  # sum of all round trips: the time the worker had to work

    # --- framing ------------------------------------------------------------------------

    def _send(self, op: str, payload: bytes = b"") -> None:
        try:
            os.write(self._request, wire.HEADER.pack(ord(op), len(payload)))
            view = memoryview(payload)
            while view:
                written = os.write(self._request, view)
                view = view[written:]
        except BrokenPipeError as error:
            raise self._ended("it closed its request pipe") from error

    def _read_exactly(self, count: int, deadline: float) -> bytes:
        while len(self._buffer) < count:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WorkerFailed(
                    Status.TIMEOUT, f"no reply within the {self._timeout:g} s timeout; killed"
                )
            ready, _, _ = select.select([self._reply], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(self._reply, max(1 << 20, count - len(self._buffer)))
            if not chunk:
                raise self._ended("it stopped replying")
            self._buffer += chunk
        data = bytes(self._buffer[:count])
        del self._buffer[:count]
        return data

    def _receive(self, timeout: float) -> tuple[str, bytes]:
        self._timeout = timeout
        deadline = time.monotonic() + timeout
        op, length = wire.HEADER.unpack(self._read_exactly(wire.HEADER.size, deadline))
        return chr(op), self._read_exactly(length, deadline)

    def _ended(self, what: str) -> WorkerFailed:
        """The failure of a worker that went away; waits briefly for its exit status."""
        try:
            code = self.process.wait(timeout=2.0)
        except subprocess.TimeoutExpired:
            return WorkerFailed(Status.PROTOCOL_ERROR, f"the worker {what} but did not exit")
        stderr = self.stderr_tail()
        if code < 0:
            try:
                note = parse_crash_note((self.directory / "crash_note.txt").read_text())
            except OSError:
                note = {}
            failure = signal_failure(-code, note, self.limits.output_limit_mb, stderr)
            return WorkerFailed(failure.status, failure.message, stderr)
        if code == EXIT_CONTAINMENT:
            return WorkerFailed(
                Status.CONTAINMENT_UNAVAILABLE,
                f"refused to load the candidate: {stderr.removeprefix('aiopt-worker: ')}",
                stderr,
            )
        if code == EXIT_ABI_ERROR:
            return WorkerFailed(Status.ABI_ERROR, stderr.removeprefix("aiopt-worker: "), stderr)
        if code == EXIT_LOAD_ERROR:
            return WorkerFailed(Status.ABI_ERROR, f"dlopen failed: {stderr}", stderr)
        if code in PROTOCOL_FD_EXIT_CODES:
            # Only the serve loop exits so, after dlopen ran the candidate's constructors,
            # while this side still holds its ends of both pipes open: the worker's own
            # descriptors were closed, replaced or misused by candidate code.
            return WorkerFailed(
                Status.PROTOCOL_ERROR,
                f"the worker's protocol pipe failed ({wire.EXIT_CODES[code]}) while the harness "
                "held its ends open: the candidate closed, replaced or misused the "
                "worker's file descriptors",
                stderr,
            )
        if code in wire.EXIT_CODES:
            # The candidate could exit with these codes too; before its first call it has
            # run only its static constructors, so the worker's word is taken for setup.
            return WorkerFailed(
                Status.HARNESS_ERROR,
                f"the worker exited: {wire.EXIT_CODES[code]}; {stderr}",
                stderr,
            )
        return WorkerFailed(
            Status.EARLY_EXIT,
            f"the process exited with status {code} before it was told to (exit() or "
            "similar in the candidate)",
            stderr,
        )

    def _expect(self, reply: tuple[str, bytes], want: str) -> bytes:
        op, payload = reply
        if op == want:
            return payload
        text = payload.decode("utf-8", errors="replace")
        if op == THREW:
            raise WorkerFailed(Status.CRASH, f"an exception escaped the candidate: {text}")
        if op == OUT_OF_MEMORY:
            raise WorkerFailed(
                Status.RESOURCE_LIMIT,
                f"out of memory: std::bad_alloc (memory limit reached) {text}",
            )
        if op == ERROR:
            if text.startswith(DESCRIPTORS_TAMPERED):
                raise WorkerFailed(
                    Status.PROTOCOL_ERROR,
                    "the candidate closed or replaced the worker's file descriptors: "
                    + text.removeprefix(DESCRIPTORS_TAMPERED),
                )
            status = Status.WRONG_OUTPUT if "out_cap" in text else Status.HARNESS_ERROR
            raise WorkerFailed(status, text)
        raise WorkerFailed(Status.PROTOCOL_ERROR, f"reply {op!r} where {want!r} was due")

    # --- requests -----------------------------------------------------------------------

    def _exchange(self, op: str, payload: bytes, timeout: float) -> tuple[tuple[str, bytes], int]:
        """One request and its reply; the round trip on this side's clock (ns), also
        added to ``busy_ns``, the time the worker was given to work."""
        started = time.perf_counter_ns()
        self._send(op, payload)
        reply = self._receive(timeout)
        elapsed = time.perf_counter_ns() - started
        self.busy_ns += elapsed
        return reply, elapsed

    def init(self, params: bytes, timeout: float) -> None:
        self._expect(self._exchange(PARAMS, params, timeout)[0], OK)
        # Written before dlopen: once the candidate has answered, the report is complete.
        self._containment = read_report(self.directory / "containment.txt", "aiopt-worker")

    @property
    def containment(self) -> Containment:
        """The sandbox layers the worker reported (read after ``init``)."""
        if self._containment is None:
            return read_report(self.directory / "containment.txt", "aiopt-worker")
        return self._containment

    def _sched_reading(self) -> SchedReading | None:
        try:
            return self._sched.read() if self._sched is not None else None
        except (OSError, ValueError, IndexError):
            return None  # gone: the exchange says how

    def run(self, data: bytes, timeout: float) -> CallReply:
        before = self._sched_reading()
        reply, observed = self._exchange(RUN, data, timeout)
        after = self._sched_reading()
        waited = before.waited_for_others_ns(after) if before and after else None
        used = after.process_cpu_ns - before.process_cpu_ns if before and after else None
        payload = self._expect(reply, DONE_OP)
        if len(payload) < wire.DONE.size:
            raise WorkerFailed(Status.PROTOCOL_ERROR, "a short 'D' reply")
        wall, cpu, n, count = wire.DONE.unpack_from(payload)
        counters_end = wire.DONE.size + 8 * count
        output = payload[counters_end:]
        if len(output) != n:
            raise WorkerFailed(
                Status.PROTOCOL_ERROR, f"'D' says {n} output bytes but carries {len(output)}"
            )
        counters = struct.unpack_from(f"<{count}d", payload, wire.DONE.size)
        return CallReply(wall, cpu, output, counters, observed, waited, used)

    def status(self, timeout: float) -> dict[str, object]:
        value = json.loads(self._expect(self._exchange(STATUS, b"", timeout)[0], STATUS_REPLY))
        if not isinstance(value, dict):
            raise WorkerFailed(Status.PROTOCOL_ERROR, "the status reply is not an object")
        return value

    def quit(self, timeout: float) -> int:
        """Asks the worker to finish (aiopt_fini), waits for its clean exit and returns
        the CPU time (ns) the kernel accounts to it and the children it waited for
        (wait4's rusage, microsecond resolution)."""
        self._expect(self._exchange(QUIT, b"", timeout)[0], BYE)
        deadline = time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(self.pid, os.WNOHANG)
            if pid == self.pid:
                break
            if time.monotonic() > deadline:
                raise WorkerFailed(Status.TIMEOUT, "the worker did not exit after quit")
            time.sleep(0.0005)
        code = os.waitstatus_to_exitcode(status)
        self.process.returncode = code
        if self._sched is not None:
            self._sched.close()
        if code != 0:
            raise WorkerFailed(
                Status.EARLY_EXIT, f"the worker exited with status {code} when told to quit"
            )
        return int((usage.ru_utime + usage.ru_stime) * 1e9)

    # --- watching from outside ----------------------------------------------------------

    def cpu_ns(self) -> int:
        """The CPU time the kernel accounts to the worker so far, read from outside: the
        sum of its live threads' run time (schedstat, ns), or, when larger, the process's
        total with exited threads and waited-for children (/proc/PID/stat, clock ticks).
        Read before ``quit``, it leaves out aiopt_fini and the exit's teardown of the
        address space (about 45 us per MiB touched), which no timed call can gain from."""
        base = Path(f"/proc/{self.pid}")
        try:
            live = 0
            for task in (base / "task").iterdir():
                sched = read_schedstat(task / "schedstat")
                live += sched.run_ns if sched is not None else 0
            ticks = read_process_stat(self.pid).cpu_ticks_with_children
        except (OSError, ValueError, IndexError) as error:
            raise self._ended("vanished from /proc") from error
        return max(live, ticks * 1_000_000_000 // _clock_ticks())

    def stats(self) -> ProcessStats:
        """Threads, children and CPU time of the worker, read from /proc."""
        base = Path(f"/proc/{self.pid}")
        try:
            stat = read_process_stat(self.pid)
            cpu_ns = stat.cpu_ticks * 1_000_000_000 // _clock_ticks()
            threads = stat.threads
            children: list[int] = []
            for task in (base / "task").iterdir():
                with contextlib.suppress(OSError):
                    children += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError, IndexError) as error:
            raise self._ended("vanished from /proc") from error
        return ProcessStats(threads, tuple(children), cpu_ns)

    def stderr_tail(self, chars: int = 400) -> str:
        try:
            text = self.stderr_path.read_bytes()[-chars:].decode("utf-8", errors="replace")
        except OSError:
            return ""
        return text.strip()

    def kill(self) -> int:
        """Kills the worker, every process below it and its process group, reaps it, and
        returns how many other processes it had left running."""
        left = 0
        if self.process.poll() is None:
            for _ in range(3):  # a fork bomb may add children while we look
                found = [pid for pid, state in descendants(self.pid).items() if state != "Z"]
                left = max(left, len(found))
                for pid in found:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                if not found:
                    break
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        self.process.wait()
        if self._sched is not None:
            self._sched.close()
        for fd in (self._request, self._reply):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._request = self._reply = -1
        return left
