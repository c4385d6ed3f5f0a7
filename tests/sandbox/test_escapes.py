"""Escape probes: candidate code that tries to get out of its sandbox, each judged from
outside (the file does not exist or is unchanged, the server saw nothing, the process is
alive, the parent is not traced). Each outside judge is first shown able to see a hit:
the test process itself can do what the probe tries.

Runs as root and as an unprivileged user (CI runs this file as both). No probe signals
more than one named pid: never kill(-1) outside a PID namespace.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from aiopt_harness import Status, measure
from aiopt_harness.build.compiler import compile_candidate, layout_copy
from aiopt_harness.common.paths import cache_dir
from aiopt_harness.measurement.results import MeasureResult
from tests.conftest import DATA, processes_named

ESCAPES = DATA / "escapes"
TIMEOUT = 10.0


def probe(name: str, arg: str, directory: Path) -> Path:
    """The probe ``name`` with its target compiled in (``#define PROBE_ARG``)."""
    source = directory / f"{name}-{secrets.token_hex(4)}.cpp"
    source.write_text(
        f'#define PROBE_ARG "{arg}"\n'
        + (ESCAPES / "common.h").read_text()
        + (ESCAPES / f"{name}.cpp").read_text()
    )
    return source


def run(source: Path, task: Path, **options: object) -> MeasureResult:
    return measure(source, task=task, timeout=TIMEOUT, budget=0.2, **options)  # type: ignore[arg-type]


def contained(result: MeasureResult, *, trapped: str | None = None) -> None:
    """The probe ended as a contained candidate: it passed (its attempt failed quietly),
    or the sandbox stopped it and the verdict names the call."""
    if trapped is None:
        assert result.status is Status.OK, result.message
        assert result.containment == "full"
    else:
        assert result.status is Status.SANDBOX_VIOLATION, result.message
        assert f"forbidden system call: {trapped}" in result.message


def test_an_honest_candidate_with_threads_scratch_memory_and_a_file_passes(
    tiny_task: Path, tmp_path: Path
) -> None:
    result = run(probe("honest_threads_scratch", "", tmp_path), tiny_task)
    contained(result)


# --- files --------------------------------------------------------------------------


def _write_targets(tiny_task: Path) -> dict[str, Path]:
    tag = secrets.token_hex(4)
    return {
        "cache": cache_dir() / f"escape-probe-{tag}.txt",
        "task": tiny_task / f"escape-probe-{tag}.txt",
        "home": Path.home() / f"escape-probe-{tag}.txt",
        "tmp": Path("/tmp") / f"escape-probe-{tag}.txt",
    }


@pytest.mark.parametrize("where", ["cache", "task", "home", "tmp"])
def test_no_write_outside_the_scratch_directory(
    where: str, tiny_task: Path, tmp_path: Path
) -> None:
    target = _write_targets(tiny_task)[where]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("the judge can see a file here\n")  # control: this side can write it
    target.unlink()
    try:
        result = run(probe("write_file", str(target), tmp_path), tiny_task)
        assert not target.exists(), f"the candidate created {target}"
        contained(result)
    finally:
        with contextlib.suppress(FileNotFoundError):
            target.unlink()


def test_a_cached_shared_object_cannot_be_poisoned(tiny_task: Path, tmp_path: Path) -> None:
    compiled = compile_candidate(tiny_task / "initial.cpp", ())
    assert compiled.object_file is not None
    victim = layout_copy(compiled.object_file, 0)
    before = victim.read_bytes()
    result = run(probe("overwrite_file", str(victim), tmp_path), tiny_task)
    assert victim.read_bytes() == before
    contained(result)


def test_a_secret_file_cannot_be_read(tiny_task: Path, tmp_path: Path) -> None:
    secret = f"secret-{secrets.token_hex(8)}"
    path = tmp_path / "secret.txt"
    path.write_text(secret)
    result = run(probe("read_file", str(path), tmp_path), tiny_task)
    assert secret not in result.message + result.stderr
    contained(result)


def test_the_leak_channel_works_for_a_file_the_sandbox_allows(
    tiny_task: Path, tmp_path: Path
) -> None:
    """The judge of the two tests above and below can see a leak: /proc/cpuinfo is readable."""
    result = run(probe("read_file", "/proc/cpuinfo", tmp_path), tiny_task)
    assert result.status is Status.CRASH
    assert "LEAK /proc/cpuinfo: processor" in result.message + result.stderr


def test_the_cpu_pin_cannot_be_left(tiny_task: Path, tmp_path: Path) -> None:
    """sched_setaffinity is refused inside the sandbox: a thread that moved itself to an
    idle CPU would work beside the measured one (tests/data/cheats/affinity_escape.cpp
    gained 1.7x that way while an LLM server loaded the machine)."""
    contained(run(probe("move_cpu", "", tmp_path), tiny_task))


# --- secrets in memory ----------------------------------------------------------------


def test_api_keys_reach_neither_environment_nor_memory_nor_the_parents_proc(
    tiny_task: Path, tmp_path: Path
) -> None:
    """The caller is a process whose own environment (and so /proc/PID/environ) holds
    the key, as a researcher's shell would give it."""
    key = f"sk-{secrets.token_hex(16)}"
    source = probe("read_keys", "OPENAI_API_KEY", tmp_path)
    script = (
        "import json, sys; from aiopt_harness import measure; "
        "r = measure(sys.argv[1], task=sys.argv[2], timeout=10, budget=0.2); "
        "print(json.dumps([r.status.value, r.message, r.stderr, r.containment]))"
    )
    caller = subprocess.run(
        [sys.executable, "-c", script, str(source), str(tiny_task)],
        env={**os.environ, "OPENAI_API_KEY": key},
        capture_output=True,
        text=True,
        check=True,
    )
    assert key not in caller.stdout + caller.stderr
    status, message, _, containment = json.loads(caller.stdout)
    assert (status, containment) == ("ok", "full"), message


def test_the_key_scanner_finds_a_variable_that_is_there(tiny_task: Path, tmp_path: Path) -> None:
    result = run(probe("read_keys", "PATH", tmp_path), tiny_task)
    assert "LEAK getenv: /usr/bin" in result.message + result.stderr


# --- network ------------------------------------------------------------------------


def _saw_connection(server: socket.socket) -> bool:
    server.setblocking(False)
    try:
        connection, _ = server.accept()
    except BlockingIOError:
        return False
    connection.close()
    return True


def test_no_tcp_connection_to_a_loopback_server(tiny_task: Path, tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port)):  # control: the judge sees this
            pass
        assert _saw_connection(server)
        result = run(probe("tcp_connect", str(port), tmp_path), tiny_task)
        assert not _saw_connection(server), "the loopback server saw a connection"
    contained(result, trapped="socket")


def test_no_udp_datagram_to_a_loopback_server(tiny_task: Path, tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as server:
        server.bind(("127.0.0.1", 0))
        server.setblocking(False)
        port = server.getsockname()[1]
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as control:
            control.sendto(b"x", ("127.0.0.1", port))
        time.sleep(0.05)
        assert server.recv(16) == b"x"
        result = run(probe("udp_send", str(port), tmp_path), tiny_task)
        time.sleep(0.05)
        with pytest.raises(BlockingIOError):
            server.recv(16)
    contained(result, trapped="socket")


@pytest.mark.parametrize("kind", ["pathname", "abstract"])
def test_no_unix_socket_connection(kind: str, tiny_task: Path, tmp_path: Path) -> None:
    name = f"aiopt-probe-{secrets.token_hex(4)}"
    address = str(tmp_path / name) if kind == "pathname" else "\0" + name
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(address)
        server.listen()
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as control:
            control.connect(address)
        assert _saw_connection(server)
        result = run(probe("unix_connect", address.replace("\0", "@"), tmp_path), tiny_task)
        assert not _saw_connection(server), "the unix socket server saw a connection"
    contained(result, trapped="socket")


# --- processes ------------------------------------------------------------------------


@contextlib.contextmanager
def bystander() -> Iterator[subprocess.Popen[bytes]]:
    """An unrelated process (same user): a candidate must not be able to signal it."""
    process = subprocess.Popen(["sleep", "60"], start_new_session=True)
    try:
        yield process
    finally:
        process.kill()
        process.wait()


def test_an_unrelated_process_cannot_be_signalled(tiny_task: Path, tmp_path: Path) -> None:
    with bystander() as process:
        result = run(probe("signal_process", str(process.pid), tmp_path), tiny_task)
        time.sleep(0.1)
        assert process.poll() is None, "the unrelated process was killed"
    contained(result, trapped="tgkill (another process)")


def _tracer(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("TracerPid:"):
            return int(line.split()[1])
    raise AssertionError("no TracerPid line")


def test_the_parent_cannot_be_traced(tiny_task: Path, tmp_path: Path) -> None:
    result = run(probe("ptrace_parent", "", tmp_path), tiny_task)
    assert _tracer(os.getpid()) == 0
    contained(result, trapped="ptrace")


@pytest.mark.parametrize(("name", "trapped"), [("exec_program", "execve"), ("system_call", "")])
def test_no_program_runs(name: str, trapped: str, tiny_task: Path, tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    subprocess.run(["sh", "-c", f"touch {marker}"], check=True)  # control
    marker.unlink()
    result = run(probe(name, str(marker), tmp_path), tiny_task)
    assert not marker.exists(), "a program the candidate started ran"
    contained(result, trapped=trapped)


def test_a_fork_bomb_is_stopped_at_its_first_fork(tiny_task: Path, tmp_path: Path) -> None:
    name = f"bomb{secrets.token_hex(3)}"
    result = run(probe("fork_bomb", name, tmp_path), tiny_task)
    assert processes_named(name) == []
    contained(result, trapped="clone")


def test_a_caller_killed_with_sigkill_takes_the_candidate_down(
    tiny_task: Path, tmp_path: Path
) -> None:
    name = f"outlive{secrets.token_hex(3)}"
    source = probe("outlive_caller", name, tmp_path)
    caller = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from aiopt_harness import measure; "
            "measure(sys.argv[1], task=sys.argv[2], timeout=120, budget=60)",
            str(source),
            str(tiny_task),
        ],
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not processes_named(name):
            assert caller.poll() is None, "the caller ended before the candidate ran"
            assert time.monotonic() < deadline, "the candidate never started"
            time.sleep(0.05)
        caller.send_signal(signal.SIGKILL)
        caller.wait()
        deadline = time.monotonic() + 5
        while processes_named(name) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert processes_named(name) == [], "candidate code outlived its caller"
    finally:
        if caller.poll() is None:
            caller.kill()
        for pid in processes_named(name):  # only the named leftovers, never a group or -1
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def _capabilities(pid: int) -> str:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("CapEff:"):
            return line.split()[1]
    raise AssertionError("no CapEff line")


def test_root_keeps_no_capability_to_take_real_time_priority(
    tiny_task: Path, tmp_path: Path
) -> None:
    """Seen from outside while the probe spins: no capabilities, ordinary scheduling."""
    if os.geteuid() == 0:
        with bystander() as control:  # control: with its capabilities, this side can
            os.sched_setscheduler(control.pid, os.SCHED_FIFO, os.sched_param(1))
            assert os.sched_getscheduler(control.pid) == os.SCHED_FIFO
    name = f"rt{secrets.token_hex(3)}"
    source = probe("realtime_priority", name, tmp_path)
    outcome: list[MeasureResult] = []
    runner = threading.Thread(
        target=lambda: outcome.append(measure(source, task=tiny_task, timeout=8, budget=0.1))
    )
    runner.start()
    try:
        deadline = time.monotonic() + 30
        while not processes_named(name):
            assert runner.is_alive(), "the probe ended before it was seen"
            assert time.monotonic() < deadline, "the probe never started"
            time.sleep(0.05)
        time.sleep(0.2)  # past its attempt, into its spin
        for pid in processes_named(name):
            assert _capabilities(pid) == "0000000000000000"
            assert os.sched_getscheduler(pid) == os.SCHED_OTHER
            assert os.getpriority(os.PRIO_PROCESS, pid) >= 0
    finally:
        runner.join()
    assert outcome[0].status is Status.TIMEOUT, outcome[0].message


# --- honest degradation ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("layer", "reason"),
    [("landlock", "landlock_create_ruleset: ENOSYS"), ("seccomp", "seccomp: EINVAL")],
)
def test_a_missing_layer_is_reported_and_can_be_required(
    layer: str, reason: str, tiny_task: Path
) -> None:
    code = errno.ENOSYS if layer == "landlock" else errno.EINVAL
    partial = measure(
        tiny_task / "initial.cpp", task=tiny_task, budget=0.1, inject_sandbox_errno={layer: code}
    )
    assert partial.status is Status.OK, partial.message
    assert partial.containment == f"partial ({layer}: {reason})"
    refused = measure(
        tiny_task / "initial.cpp",
        task=tiny_task,
        budget=0.1,
        inject_sandbox_errno={layer: code},
        require_containment=True,
    )
    assert refused.status is Status.CONTAINMENT_UNAVAILABLE
    assert f"{layer}=unavailable: {reason}" in refused.message
    full = measure(tiny_task / "initial.cpp", task=tiny_task, budget=0.1, require_containment=True)
    assert full.status is Status.OK and full.containment == "full"
