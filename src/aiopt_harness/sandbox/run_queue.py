"""How long a worker waited for its CPU while other processes held it, read from outside.

A timed call's wall time includes every moment the worker was runnable but another
process ran on its CPU: a loaded machine (a busy loop at nice 19, another harness, an LLM
server) makes a program look slower by however often it was preempted, and long calls
are sliced more than short ones. The kernel accounts that wait per thread
(``/proc/PID/task/TID/schedstat``: run time, run-queue wait, timeslices, in ns) and the CPU
time of the whole process (its CPU clock, ``clock_getcpuclockid``: every thread, live or
exited, in ns), readable from the trusted side without the worker's help.

Around each request the probe reads both. The wait charged to *other processes* is the
main thread's run-queue wait minus the CPU time the process's other threads got meanwhile:
a candidate whose main thread yields to its own helper thread (so that the helper's work
would look like waiting) gets nothing back. What a call may subtract is also bounded by
its own wall time minus its own CPU time (``CallReply.cost_ns``), so the wait before and
after the timed region (the wake-up, the reply) is never taken off the call.

Kernels without CONFIG_SCHEDSTATS have no schedstat file, and a process clock may be
unreadable: then ``SchedProbe.open`` says why and no call is corrected.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from ..common.procfs import parse_schedstat

_CPUCLOCK_SCHED = 2  # the kernel's process CPU clock id: (~pid << 3) | CPUCLOCK_SCHED


@dataclass(frozen=True)
class SchedReading:
    """One reading of a worker's accounting (ns since it started)."""

    main_run_ns: int  # its main thread's time on a CPU
    main_wait_ns: int  # its main thread's time runnable on a run queue, not running
    process_cpu_ns: int  # every thread's CPU time, exited threads included

    def waited_for_others_ns(self, later: SchedReading) -> int:
        """The main thread's run-queue wait from this reading to ``later`` that no thread
        of its own process used (>= 0)."""
        waited = later.main_wait_ns - self.main_wait_ns
        main_ran = later.main_run_ns - self.main_run_ns
        others_ran = max(0, later.process_cpu_ns - self.process_cpu_ns - main_ran)
        return max(0, waited - others_ran)


class SchedProbe:
    """The schedstat file of a worker's main thread, kept open, and its process clock."""

    def __init__(self, fd: int, clock: int) -> None:
        self._fd = fd
        self._clock = clock

    @classmethod
    def open(cls, pid: int) -> SchedProbe | str:
        """The probe of process ``pid``, or why there is none."""
        try:
            fd = os.open(f"/proc/{pid}/task/{pid}/schedstat", os.O_RDONLY | os.O_CLOEXEC)
        except OSError as error:
            return (
                f"no run-queue accounting for the worker ({error.strerror}; "
                "a kernel without CONFIG_SCHEDSTATS?)"
            )
        probe = cls(fd, (~pid << 3) | _CPUCLOCK_SCHED)
        try:
            probe.read()
        except (OSError, ValueError, IndexError) as error:
            probe.close()
            return f"the worker's CPU accounting cannot be read: {error}"
        return probe

    def read(self) -> SchedReading:
        """Raises OSError when the process is gone or its clock cannot be read."""
        sched = parse_schedstat(os.pread(self._fd, 128, 0))
        return SchedReading(sched.run_ns, sched.wait_ns, time.clock_gettime_ns(self._clock))

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
