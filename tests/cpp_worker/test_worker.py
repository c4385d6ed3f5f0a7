"""aiopt-worker (src/cpp/worker_main.cpp) through its pipes, as the trusted side drives it.

Protocol (src/cpp/worker_protocol.h), both directions: u8 op | u64 LE payload_len | payload.
  'P' params -> 'K' | 'E' text | 'X'/'M' text (aiopt_init threw)
  'R' input  -> 'D' u64 wall_ns, u64 cpu_ns, u64 n, u32 k, k x f64, out[0:n]
                | 'E' text (n > out_cap, refused request, counter failure) | 'X'/'M' text
  'S'        -> 'S' JSON {"cpu", "pin_error", "counters": [{name, available,
                user_space_only, reason}]}
  'Q'        -> 'B' (or 'X'/'M' when aiopt_fini threw), then exit 0
  other op   -> 'E' text
Exit codes: 0 after 'Q'; 110 usage; 111 parent already gone at start; 112 short read on
the request fd; 113 reply write failed; 114 dlopen failed; 115 missing ABI symbol (stderr
names it); 116 out of memory (output buffer or request payload).
"""

from __future__ import annotations

import errno
import json
import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from aiopt_harness import _core
from aiopt_harness.common.procfs import read_process_stat
from tests.cpp_worker.client import (
    EXIT_ABI_ERROR,
    EXIT_LOAD_ERROR,
    EXIT_SHORT_READ,
    EXIT_USAGE,
    Worker,
    a_cpu,
    decode_done,
    is_nan,
    read_frame,
    worker_args,
    write_frame,
)

DEFAULT_COUNTERS = [name for group in _core.default_event_groups() for name in group]


def test_params_run_quit_round_trip(candidates: dict[str, Path]) -> None:
    with Worker(candidates["echo"], out_cap=64) as worker:
        assert worker.request(b"P", b"pp") == (b"K", b"")
        for data in (b"abc", b"", b"x" * 62):
            done = worker.run(data)
            assert done.output == b"pp" + data and done.n == 2 + len(data)
            assert done.wall_ns > 0 and done.cpu_ns >= 0
            assert len(done.counters) == len(DEFAULT_COUNTERS)
            task_clock = done.counters[DEFAULT_COUNTERS.index("task-clock")]
            assert not is_nan(task_clock) and task_clock > 0
        assert worker.run(b"E").output == b""
        assert worker.request(b"Q") == (b"B", b"")
        assert worker.process.wait(timeout=30) == 0
        with pytest.raises(EOFError):
            read_frame(worker.reply_fd)


def test_requests_out_of_order_are_refused(candidates: dict[str, Path]) -> None:
    with Worker(candidates["echo"]) as worker:
        op, text = worker.request(b"R", b"abc")
        assert op == b"E" and b"send 'P' first" in text
        assert worker.request(b"P", b"") == (b"K", b"")
        op, text = worker.request(b"P", b"")
        assert op == b"E" and b"already" in text
        op, text = worker.request(b"Z", b"junk")
        assert op == b"E" and b"unknown request op" in text
        assert worker.run(b"ok").output == b"ok"  # still serving
        assert worker.request(b"Q") == (b"B", b"")
        assert worker.finish()[0] == 0


def test_candidate_exceptions_are_replies(candidates: dict[str, Path]) -> None:
    with Worker(candidates["echo"]) as worker:
        worker.request(b"P", b"")
        assert worker.request(b"R", b"T") == (b"X", b"std::runtime_error: candidate gave up")
        op, text = worker.request(b"R", b"M")
        assert op == b"M" and b"bad_alloc" in text
        assert worker.run(b"fine").output == b"fine"
        assert worker.request(b"Q") == (b"B", b"")


def test_output_longer_than_out_cap_is_an_error(candidates: dict[str, Path]) -> None:
    with Worker(candidates["echo"], out_cap=16) as worker:
        worker.request(b"P", b"")
        assert worker.request(b"R", b"O") == (
            b"E",
            b"aiopt_run returned 17 bytes, more than out_cap 16",
        )
        assert worker.request(b"R", b"x" * 17)[0] == b"E"
        assert worker.run(b"x" * 16).n == 16


def test_missing_symbol_exits_with_its_own_code(candidates: dict[str, Path]) -> None:
    worker = Worker(candidates["no_fini"])
    code, stderr = worker.finish()
    assert code == EXIT_ABI_ERROR
    assert "missing ABI symbol: aiopt_fini" in stderr


def test_unloadable_file_exits_with_its_own_code(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.so"
    bogus.write_text("not an ELF file")
    code, stderr = Worker(bogus).finish()
    assert code == EXIT_LOAD_ERROR and "bogus.so" in stderr


@pytest.mark.parametrize(
    "options",
    [
        {"counters": "task-clock,no-such-event"},
        {"inject_counter_errno": "cycles"},
        {"inject_counter_errno": "nope=2"},
    ],
)
def test_bad_arguments_are_usage_errors(
    candidates: dict[str, Path], options: dict[str, str]
) -> None:
    code, stderr = Worker(
        candidates["echo"],
        counters=options.get("counters"),
        inject_counter_errno=options.get("inject_counter_errno"),
    ).finish()
    assert code == EXIT_USAGE and "usage:" in stderr


def test_missing_arguments_are_usage_errors(candidates: dict[str, Path]) -> None:
    args = worker_args(candidates["echo"], 0, 1, cpu=a_cpu())
    done = subprocess.run(args[:-2], env={}, capture_output=True, timeout=30)
    assert done.returncode == EXIT_USAGE


def test_short_read_on_the_request_fd_exits(candidates: dict[str, Path]) -> None:
    worker = Worker(candidates["echo"])
    worker.request(b"S")
    os.write(worker.request_fd, b"R\x05")  # a truncated header, then the parent "goes away"
    assert worker.finish()[0] == EXIT_SHORT_READ


INTERMEDIATE = """
import os, subprocess, sys
args = sys.argv[1:]
fds = (int(args[args.index("--request-fd") + 1]), int(args[args.index("--reply-fd") + 1]))
worker = subprocess.Popen(args, pass_fds=fds, env={})
print(worker.pid, flush=True)
sys.stdin.read()   # until the test closes our stdin
os._exit(0)        # without waiting for the worker
"""


def test_parent_death_kills_the_worker(candidates: dict[str, Path]) -> None:
    request_read, request_write = os.pipe()
    reply_read, reply_write = os.pipe()
    args = worker_args(candidates["echo"], request_read, reply_write, cpu=a_cpu())
    intermediate = subprocess.Popen(
        [sys.executable, "-c", INTERMEDIATE, *args],
        pass_fds=(request_read, reply_write),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    os.close(request_read)
    os.close(reply_write)
    try:
        assert intermediate.stdout is not None and intermediate.stdin is not None
        pid = int(intermediate.stdout.readline())
        write_frame(request_write, b"S")
        assert read_frame(reply_read)[0] == b"S"  # the worker is up and serving
        intermediate.stdin.close()
        assert intermediate.wait(timeout=30) == 0
        # The request pipe stays open on our side: only SIGKILL ends the worker now.
        ready, _, _ = select.select([reply_read], [], [], 30)
        assert ready and os.read(reply_read, 1) == b""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                state = read_process_stat(pid).state
            except FileNotFoundError:
                break  # gone and reaped
            if state in ("Z", "X"):
                break  # dead, waiting for a reaper that is not us
            time.sleep(0.05)
        else:
            pytest.fail(f"worker {pid} still alive after its parent died")
    finally:
        os.close(request_write)
        os.close(reply_read)
        if intermediate.poll() is None:
            intermediate.kill()
            intermediate.wait()


def test_injected_enoent_is_reported_unavailable(candidates: dict[str, Path]) -> None:
    with Worker(
        candidates["echo"],
        counters="task-clock,page-faults;cycles,instructions",
        inject_counter_errno=f"task-clock={errno.ENOENT},cycles={errno.ENOENT}",
    ) as worker:
        op, payload = worker.request(b"S")
        assert op == b"S"
        status = json.loads(payload)
        assert status["pin_error"] == "" and status["cpu"] == a_cpu()
        counters = {c["name"]: c for c in status["counters"]}
        assert list(counters) == ["task-clock", "page-faults", "cycles", "instructions"]
        for name in ("task-clock", "cycles"):
            assert not counters[name]["available"]
            assert counters[name]["reason"].startswith("ENOENT")
            assert counters[name]["reason"].endswith("[injected failure]")
        assert counters["page-faults"]["available"]  # the next event led the group
        worker.request(b"P", b"")
        values = worker.run(b"abc").counters
        assert is_nan(values[0]) and values[1] >= 0 and is_nan(values[2])


def test_no_counters(candidates: dict[str, Path]) -> None:
    with Worker(candidates["echo"], counters="none") as worker:
        assert json.loads(worker.request(b"S")[1])["counters"] == []
        worker.request(b"P", b"")
        done = worker.run(b"abc")
        assert done.counters == [] and done.output == b"abc"


def test_pin_failure_is_reported_and_refuses_timing(candidates: dict[str, Path]) -> None:
    with Worker(candidates["echo"], cpu=1000) as worker:
        status = json.loads(worker.request(b"S")[1])
        assert "sched_setaffinity(CPU 1000)" in status["pin_error"]
        op, text = worker.request(b"P", b"")
        assert op == b"E" and text.decode() == status["pin_error"]
        assert worker.request(b"R", b"x")[0] == b"E"
        assert worker.request(b"Q") == (b"B", b"")


def test_large_input_and_output_cross_the_pipes(candidates: dict[str, Path]) -> None:
    # The first byte picks the echo candidate's behaviour ('O' overflows): fix it to echo.
    data = b"x" + os.urandom(3 << 20)
    with Worker(candidates["echo"], out_cap=4 << 20) as worker:
        worker.request(b"P", b"")
        assert worker.run(data).output == data


def heap_offset(so: Path, seed: int) -> int:
    with Worker(so, layout_seed=seed, counters="none") as worker:
        worker.request(b"P", b"")
        return int.from_bytes(worker.run(b"A").output, "little") % 4096


def test_layout_seed_moves_the_candidates_heap(candidates: dict[str, Path]) -> None:
    """The heap block shifts what the candidate allocates; brk is page-aligned under ASLR,
    so the offset within a page depends on the seed only. (The stack offset cannot be
    seen this way: the kernel randomizes the stack top below page granularity already.)"""
    so = candidates["echo"]
    assert heap_offset(so, 0) == heap_offset(so, 0)
    assert heap_offset(so, 0) != heap_offset(so, 1024)
    assert heap_offset(so, 1024) == heap_offset(so, 1024 + (7 << 12))


def test_worker_leaves_no_protocol_fds_to_children(candidates: dict[str, Path]) -> None:
    with Worker(candidates["echo"]) as worker:
        pid = worker.process.pid
        worker.request(b"S")
        for fd in os.listdir(f"/proc/{pid}/fd"):
            flags = Path(f"/proc/{pid}/fdinfo/{fd}").read_text().split("flags:")[1].split()[0]
            if int(fd) > 2:
                assert int(flags, 8) & os.O_CLOEXEC, fd


def test_decode_done_layout() -> None:
    payload = (
        (5).to_bytes(8, "little")
        + (3).to_bytes(8, "little")
        + (2).to_bytes(8, "little")
        + (1).to_bytes(4, "little")
        + bytes(8)
        + b"hi"
    )
    done = decode_done(payload)
    assert (done.wall_ns, done.cpu_ns, done.n, done.output) == (5, 3, 2, b"hi")
    assert done.counters == [0.0]
