"""What an experiment ran with: versions (harness, OpenEvolve, compiler, model file) and
the machine's facts (CPU, frequency governor, SMT, isolated CPUs, load). Each fact that
cannot be read says ``unavailable: <reason>``."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

from ..llm.model import QWEN_CODER_1_5B, verified_model

UNAVAILABLE = "unavailable: "


def _read(path: str) -> str:
    try:
        return Path(path).read_text().strip()
    except OSError as error:
        return f"{UNAVAILABLE}{path}: {error.strerror}"


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return f"{UNAVAILABLE}{package} is not installed"


def _compiler() -> str:
    try:
        shown = subprocess.run(["g++", "--version"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"{UNAVAILABLE}g++: {error}"
    return shown.stdout.splitlines()[0] if shown.stdout else f"{UNAVAILABLE}g++ said nothing"


def _checkout_commit() -> str:
    root = Path(__file__).resolve().parents[3]
    if not (root / ".git").exists():
        return f"{UNAVAILABLE}not run from a git checkout"
    try:
        shown = subprocess.run(
            ["git", "-C", str(root), "describe", "--always", "--dirty"],
            capture_output=True, text=True, timeout=20,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"{UNAVAILABLE}git: {error}"
    return shown.stdout.strip() or f"{UNAVAILABLE}git: {shown.stderr.strip()[:200]}"


def versions(uses_embedded_model: bool) -> dict[str, Any]:
    model: dict[str, str] = {"name": QWEN_CODER_1_5B.filename, "sha256": QWEN_CODER_1_5B.sha256}
    if uses_embedded_model:
        path = verified_model()
        model["file"] = str(path) if path else f"{UNAVAILABLE}not downloaded yet"
    return {
        "aiopt_harness": _version("aiopt-harness"),
        "checkout": _checkout_commit(),
        "openevolve": _version("openevolve"),
        "llama_cpp_python": _version("llama-cpp-python"),
        "python": sys.version.split()[0],
        "compiler": _compiler(),
        "embedded_model": model if uses_embedded_model else "not used",
    }


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
