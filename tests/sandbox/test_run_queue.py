"""Run-queue wait read from outside (sandbox/run_queue.py): what other processes took,
and nothing for what the process's own threads took."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from aiopt_harness.sandbox.run_queue import SchedProbe, SchedReading
from aiopt_harness.sandbox.worker_client import CallReply

needs_schedstat = pytest.mark.skipif(
    not Path(f"/proc/{os.getpid()}/task/{os.getpid()}/schedstat").exists(),
    reason="the kernel has no CONFIG_SCHEDSTATS",
)

# Spins for argv[1] seconds on its CPU; with argv[2] == "helper", a second thread spins
# too and the main thread yields to it (its own thread takes the CPU, so the main thread
# waits on the run queue without another process being there).
SPINNER = r"""
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
static double now() {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}
static double end;
static void* spin(void*) { volatile unsigned long x = 0; while (now() < end) ++x; return 0; }
int main(int argc, char** argv) {
  end = now() + atof(argv[1]);
  if (argc > 2 && strcmp(argv[2], "helper") == 0) {
    pthread_t helper;
    pthread_create(&helper, 0, spin, 0);
    while (now() < end) sched_yield();
    pthread_join(helper, 0);
    return 0;
  }
  spin(0);
  return 0;
}
"""


def test_wait_for_others_leaves_out_the_process_own_threads() -> None:
    start = SchedReading(main_run_ns=100, main_wait_ns=1_000, process_cpu_ns=100)
    # 400 ns of waiting, 300 of which its other threads ran: 100 for other processes
    later = SchedReading(main_run_ns=200, main_wait_ns=1_400, process_cpu_ns=500)
    assert start.waited_for_others_ns(later) == 100
    # its threads ran longer than it waited: nothing
    busy = SchedReading(main_run_ns=200, main_wait_ns=1_400, process_cpu_ns=900)
    assert start.waited_for_others_ns(busy) == 0


@pytest.fixture(scope="module")
def spinner(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("spinner")
    source = directory / "spinner.cpp"
    source.write_text(SPINNER)
    binary = directory / "spinner"
    subprocess.run(["g++", "-O1", "-pthread", str(source), "-o", str(binary)], check=True)
    return binary


def _run_ns(pid: int, tid: int) -> int:
    return int(Path(f"/proc/{pid}/task/{tid}/schedstat").read_text().split()[0])


def _waited(command: list[str], cpu: int) -> tuple[int, int, int]:
    """Over 0.8 s of ``command`` pinned to ``cpu``, read from outside: (waited for
    others, raw run-queue wait of its main thread, CPU time of its other threads by their
    own schedstat files)."""
    process = subprocess.Popen(["taskset", "-c", str(cpu), *command])
    time.sleep(0.05)  # taskset has exec'd the command, which has started its threads
    probe = SchedProbe.open(process.pid)
    assert isinstance(probe, SchedProbe), probe
    others = [int(t) for t in os.listdir(f"/proc/{process.pid}/task") if int(t) != process.pid]
    first, others_first = probe.read(), sum(_run_ns(process.pid, t) for t in others)
    time.sleep(0.8)
    last, others_last = probe.read(), sum(_run_ns(process.pid, t) for t in others)
    process.wait()
    probe.close()
    raw = last.main_wait_ns - first.main_wait_ns
    return first.waited_for_others_ns(last), raw, others_last - others_first


@needs_schedstat
def test_another_process_on_the_cpu_is_seen_as_waiting(spinner: Path) -> None:
    cpu = max(os.sched_getaffinity(0))
    rival = subprocess.Popen(["taskset", "-c", str(cpu), str(spinner), "1.5"])
    try:
        time.sleep(0.05)
        waited, _, _ = _waited([str(spinner), "1.2"], cpu)
    finally:
        rival.wait()
    # two spinners share one CPU: each waits about half the time (0.8 s looked at)
    assert waited > 0.2e9


@needs_schedstat
def test_yielding_to_its_own_helper_thread_is_not_waiting(spinner: Path) -> None:
    cpu = max(os.sched_getaffinity(0))
    waited, raw, helper_ran = _waited([str(spinner), "1.2", "helper"], cpu)
    # the main thread waits while its helper holds the CPU: none of that is for others
    # (on a quiet machine ``waited`` is ~0; other processes on that CPU add their share)
    assert helper_ran > 0.2e9
    assert waited <= raw - helper_ran + 5_000_000


def test_a_process_without_accounting_says_why() -> None:
    reason = SchedProbe.open(2**22 + 12345)  # no such process
    assert isinstance(reason, str) and "run-queue" in reason


def _reply(wall: int, waited: int | None, process_cpu: int | None) -> CallReply:
    return CallReply(wall, 0, b"", (), wall + 50_000, waited, process_cpu)


def test_a_preempted_call_costs_its_own_cpu_time() -> None:
    # 10 ms of work, preempted for 3 ms by another process
    assert _reply(13_000_000, 3_000_000, 10_000_000).cost_ns == 10_000_000


def test_wait_outside_the_timed_region_is_not_taken_off() -> None:
    # 1 ms of the wait was the wake-up before the call: the call's own time without its
    # CPU time bounds what is taken off
    assert _reply(13_000_000, 4_000_000, 10_000_000).cost_ns == 10_000_000
    # a call whose thread yields to its own helper: all its threads' CPU time is its cost
    assert _reply(13_000_000, 4_000_000, 12_500_000).cost_ns == 12_500_000


def test_without_accounting_a_call_costs_its_wall_time() -> None:
    assert _reply(13_000_000, None, None).cost_ns == 13_000_000
    # threads on another CPU (more CPU than wall time): nothing taken off
    assert _reply(13_000_000, 3_000_000, 20_000_000).cost_ns == 13_000_000
