"""Reads of the kernel's process and CPU accounting in /proc, each parsed in one place.

``/proc/PID/stat`` is ``pid (comm) state ppid ...``: comm may hold spaces and
parentheses, so the fields are split after the *last* ``)``; :func:`stat_fields` returns
them from ``state`` on (``fields[0]`` is the state letter, ``fields[1]`` the parent pid,
``fields[11:13]`` utime and stime, ``fields[13:15]`` cutime and cstime in clock ticks,
``fields[17]`` the thread count, ``fields[19]`` the start time).
``/proc/PID/schedstat`` (and ``/proc/PID/task/TID/schedstat``) is ``run_ns wait_ns
timeslices``: time on a CPU, time waiting on a run queue, and timeslices run; kernels
without CONFIG_SCHEDSTATS have no such file. ``/proc/PID/status`` holds ``Key:\tvalue``
lines; its ``voluntary_ctxt_switches`` and ``nonvoluntary_ctxt_switches`` count the
context switches of the process's main thread.

``/proc/stat`` lines ``cpuN user nice system idle iowait irq softirq steal guest
guest_nice`` count USER_HZ ticks since boot; guest time is already inside user and nice,
so it is not added again. Idle time is ``idle + iowait`` (iowait is idle with I/O
pending)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


def stat_fields(text: str) -> list[str]:
    """The fields of a ``/proc/PID/stat`` line from the state letter on (raises
    ValueError on a line without ``)``)."""
    return text[text.rindex(")") + 2 :].split()


def read_stat(pid: int | str) -> list[str]:
    """:func:`stat_fields` of ``/proc/PID/stat`` (raises OSError when it is gone)."""
    return stat_fields(Path(f"/proc/{pid}/stat").read_text())


@dataclass(frozen=True)
class ProcessStat:
    """The fields of ``/proc/PID/stat`` the harness reads, by name. Times are in clock
    ticks (``os.sysconf("SC_CLK_TCK")`` a second); ``start_time`` is since boot."""

    state: str  # R, S, D, Z, T, ...
    parent: int
    user_ticks: int  # utime: its threads, live and exited
    system_ticks: int  # stime
    children_user_ticks: int  # cutime: the children it waited for
    children_system_ticks: int  # cstime
    threads: int
    start_time: int

    @property
    def cpu_ticks(self) -> int:
        """User and system time of its own threads."""
        return self.user_ticks + self.system_ticks

    @property
    def cpu_ticks_with_children(self) -> int:
        """User and system time of its threads and of the children it waited for."""
        return self.cpu_ticks + self.children_user_ticks + self.children_system_ticks


def parse_process_stat(text: str) -> ProcessStat:
    """A ``/proc/PID/stat`` line by name (raises ValueError or IndexError on one that is
    not)."""
    fields = stat_fields(text)
    return ProcessStat(
        state=fields[0],
        parent=int(fields[1]),
        user_ticks=int(fields[11]),
        system_ticks=int(fields[12]),
        children_user_ticks=int(fields[13]),
        children_system_ticks=int(fields[14]),
        threads=int(fields[17]),
        start_time=int(fields[19]),
    )


def read_process_stat(pid: int | str) -> ProcessStat:
    """:func:`parse_process_stat` of ``/proc/PID/stat`` (raises OSError when it is gone)."""
    return parse_process_stat(Path(f"/proc/{pid}/stat").read_text())


@dataclass(frozen=True)
class SchedStat:
    run_ns: int  # on a CPU
    wait_ns: int  # runnable, waiting on a run queue
    timeslices: int


def parse_schedstat(text: str | bytes) -> SchedStat:
    """A schedstat file's text (raises ValueError when it is not one)."""
    run, wait, slices = text.split()[:3]
    return SchedStat(int(run), int(wait), int(slices))


def read_schedstat(path: Path) -> SchedStat | None:
    """A schedstat file (``/proc/PID/schedstat`` or a thread's); None when the kernel
    keeps none or the task is gone."""
    try:
        return parse_schedstat(path.read_text())
    except (OSError, ValueError):
        return None


@dataclass(frozen=True)
class ContextSwitches:
    voluntary: int | None  # it gave up the CPU (blocked); None: unreadable
    involuntary: int | None  # it was preempted


def read_context_switches(pid: int | str) -> ContextSwitches:
    """The context switches in ``/proc/PID/status`` (None for each it could not read)."""
    found: dict[str, int] = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches"):
                found[key] = int(value)
    except (OSError, ValueError):
        pass
    return ContextSwitches(
        found.get("voluntary_ctxt_switches"), found.get("nonvoluntary_ctxt_switches")
    )


@dataclass(frozen=True)
class CpuTicks:
    """One CPU's ticks since boot: busy (user, nice, system, irq, softirq, steal) and
    idle (idle, iowait)."""

    busy: int
    idle: int


def cpu_ticks(stat: str | None = None) -> dict[int, CpuTicks]:
    """Per CPU, its ticks from ``/proc/stat`` (or from ``stat``, its text); {} when it
    cannot be read."""
    if stat is None:
        try:
            stat = Path("/proc/stat").read_text()
        except OSError:
            return {}
    ticks: dict[int, CpuTicks] = {}
    for line in stat.splitlines():
        name, _, rest = line.partition(" ")
        if not name.startswith("cpu") or name == "cpu":
            continue
        try:
            values = [int(v) for v in rest.split()]
            cpu = int(name[3:])
        except ValueError:
            continue
        if len(values) < 4:
            continue
        user, nice, system, idle = values[:4]
        iowait, irq, softirq, steal = [*values[4:8], 0, 0, 0, 0][:4]
        ticks[cpu] = CpuTicks(user + nice + system + irq + softirq + steal, idle + iowait)
    return ticks


def busy_fractions(before: dict[int, CpuTicks], after: dict[int, CpuTicks]) -> dict[int, float]:
    """Per CPU, the share of the interval it was busy; CPUs with no ticks in between
    (an interval shorter than a tick) are left out."""
    shares: dict[int, float] = {}
    for cpu, start in before.items():
        end = after.get(cpu)
        if end is None:
            continue
        busy, idle = end.busy - start.busy, end.idle - start.idle
        if busy + idle > 0:
            shares[cpu] = busy / (busy + idle)
    return shares
