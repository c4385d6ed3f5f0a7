"""A minimal client of aiopt-worker's pipe protocol (src/cpp/worker_protocol.h), for tests.

Frames in both directions: u8 op, u64 little-endian payload length, payload.
"""

from __future__ import annotations

import contextlib
import math
import os
import select
import struct
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import aiopt_harness
from aiopt_harness import _core

ROOT = Path(__file__).resolve().parents[2]
HEADER = struct.Struct("<BQ")
DONE = struct.Struct("<QQQI")

# aiopt-worker's exit codes (src/cpp/worker_main.cpp)
EXIT_USAGE = 110
EXIT_PARENT_GONE = 111
EXIT_SHORT_READ = 112
EXIT_REPLY_FAILED = 113
EXIT_LOAD_ERROR = 114
EXIT_ABI_ERROR = 115
EXIT_NO_MEMORY = 116


def installed_binary(name: str) -> Path:
    """An executable installed with the extension (or left in a build directory)."""
    places = [
        Path(_core.__file__).resolve().parent / "bin" / name,
        Path(aiopt_harness.__file__).resolve().parent / "bin" / name,
        *sorted(ROOT.glob(f"build/**/{name}")),
    ]
    for place in places:
        if place.is_file() and os.access(place, os.X_OK):
            return place
    raise FileNotFoundError(
        f"{name} not found in {[str(p) for p in places]}: rebuild with "
        "`pip install --no-build-isolation -e .`"
    )


def read_exact(fd: int, size: int, timeout: float) -> bytes:
    """size bytes from fd, or fewer at end of file; TimeoutError when nothing comes."""
    chunks: list[bytes] = []
    got = 0
    while got < size:
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            raise TimeoutError(f"no reply within {timeout} s")
        chunk = os.read(fd, size - got)
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def write_frame(fd: int, op: bytes, payload: bytes = b"") -> None:
    data = memoryview(HEADER.pack(op[0], len(payload)) + payload)
    while data:
        data = data[os.write(fd, data) :]


def read_frame(fd: int, timeout: float = 30.0) -> tuple[bytes, bytes]:
    header = read_exact(fd, HEADER.size, timeout)
    if len(header) < HEADER.size:
        raise EOFError("the worker closed its reply fd")
    op, length = HEADER.unpack(header)
    payload = read_exact(fd, length, timeout)
    if len(payload) < length:
        raise EOFError("short reply payload")
    return bytes([op]), payload


@dataclass(frozen=True)
class Done:
    """A decoded 'D' reply."""

    wall_ns: int
    cpu_ns: int
    n: int
    counters: list[float]
    output: bytes


def decode_done(payload: bytes) -> Done:
    wall_ns, cpu_ns, n, count = DONE.unpack_from(payload)
    values = list(struct.unpack_from(f"<{count}d", payload, DONE.size))
    output = payload[DONE.size + 8 * count :]
    assert len(output) == n, (len(output), n)
    return Done(wall_ns, cpu_ns, n, values, output)


def worker_args(
    so: Path | str,
    request_fd: int,
    reply_fd: int,
    *,
    cpu: int,
    out_cap: int = 1 << 16,
    counters: str | None = None,
    layout_seed: int | None = None,
    inject_counter_errno: str | None = None,
) -> list[str]:
    args = [
        str(installed_binary("aiopt-worker")),
        "--so", str(so),
        "--cpu", str(cpu),
        "--out-cap", str(out_cap),
        "--request-fd", str(request_fd),
        "--reply-fd", str(reply_fd),
    ]  # fmt: skip
    if counters is not None:
        args += ["--counters", counters]
    if layout_seed is not None:
        args += ["--layout-seed", str(layout_seed)]
    if inject_counter_errno is not None:
        args += ["--inject-counter-errno", inject_counter_errno]
    return args


def a_cpu() -> int:
    return min(os.sched_getaffinity(0))


class Worker:
    """One aiopt-worker process and the parent's ends of its two pipes."""

    def __init__(
        self,
        so: Path | str,
        *,
        cpu: int | None = None,
        out_cap: int = 1 << 16,
        counters: str | None = None,
        layout_seed: int | None = None,
        inject_counter_errno: str | None = None,
    ) -> None:
        request_read, self.request_fd = os.pipe()
        self.reply_fd, reply_write = os.pipe()
        args = worker_args(
            so,
            request_read,
            reply_write,
            cpu=a_cpu() if cpu is None else cpu,
            out_cap=out_cap,
            counters=counters,
            layout_seed=layout_seed,
            inject_counter_errno=inject_counter_errno,
        )
        self.process = subprocess.Popen(
            args,
            pass_fds=(request_read, reply_write),
            env={},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        os.close(request_read)
        os.close(reply_write)

    def request(self, op: bytes, payload: bytes = b"") -> tuple[bytes, bytes]:
        write_frame(self.request_fd, op, payload)
        return read_frame(self.reply_fd)

    def run(self, data: bytes) -> Done:
        op, payload = self.request(b"R", data)
        assert op == b"D", (op, payload)
        return decode_done(payload)

    def finish(self, timeout: float = 30.0) -> tuple[int, str]:
        """Closes the parent's ends; returns the exit code and stderr."""
        for fd in (self.request_fd, self.reply_fd):
            with contextlib.suppress(OSError):
                os.close(fd)
        _, stderr = self.process.communicate(timeout=timeout)
        return self.process.returncode, stderr.decode(errors="replace")

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *_: object) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.finish()


def is_nan(value: float) -> bool:
    return math.isnan(value)


def frames(inputs: Sequence[bytes]) -> bytes:
    """aiopt-driver's inputs file: u64 little-endian length, then the bytes, per input."""
    return b"".join(struct.pack("<Q", len(item)) + item for item in inputs)
