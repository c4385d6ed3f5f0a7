"""The machine's facts that timing depends on: CPU model, CPUs, frequency governor, SMT,
isolated CPUs, load, memory. Each fact that cannot be read says ``unavailable: <reason>``."""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any

UNAVAILABLE = "unavailable: "


def _read(path: str) -> str:
    try:
        return Path(path).read_text().strip()
    except OSError as error:
        return f"{UNAVAILABLE}{path}: {error.strerror}"


def _cpu_model() -> str:
    for line in _read("/proc/cpuinfo").splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return f"{UNAVAILABLE}no model name in /proc/cpuinfo"


def _memory() -> str:
    for line in _read("/proc/meminfo").splitlines():
        if line.startswith("MemTotal"):
            return line.split(":", 1)[1].strip()
    return f"{UNAVAILABLE}no MemTotal in /proc/meminfo"


def machine() -> dict[str, Any]:
    load = os.getloadavg()
    return {
        "hostname": platform.node(),
        "kernel": platform.release(),
        "cpu_model": _cpu_model(),
        "cpus_online": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "frequency_governor": _read("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"),
        "smt_active": _read("/sys/devices/system/cpu/smt/active"),
        "isolated_cpus": _read("/sys/devices/system/cpu/isolated") or "none",
        "load_average_1_5_15": [round(value, 2) for value in load],
        "memory": _memory(),
    }
