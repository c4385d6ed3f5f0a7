"""Reads of the kernel's per-CPU accounting (/proc/stat), parsed in one place.

``/proc/stat`` lines ``cpuN user nice system idle iowait irq softirq steal guest
guest_nice`` count USER_HZ ticks since boot; guest time is already inside user and nice,
so it is not added again. Idle time is ``idle + iowait`` (iowait is idle with I/O
pending)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


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
