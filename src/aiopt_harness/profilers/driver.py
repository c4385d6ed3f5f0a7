"""Running a candidate under an external tool: the profiling build and the driver."""

from __future__ import annotations

import os
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .. import _core
from ..compiler import CompileOutcome, compile_candidate
from ..task import Task

# DWARF that Coz 0.2.2 can read (g++ 12's default DWARF 5 crashes it, plain DWARF 4 gives
# no experiments), frame pointers for call graphs, and no -march=native (valgrind 3.19
# dies on AVX-512).
PROFILING_FLAGS = ("-g", "-gdwarf-4", "-gno-variable-location-views", "-fno-omit-frame-pointer")
DROPPED_FLAGS = ("-march=native", "-mtune=native")


def profiling_flags(task_flags: tuple[str, ...]) -> list[str]:
    kept = [flag for flag in task_flags if flag not in DROPPED_FLAGS and not flag.startswith("-g")]
    return [*kept, *PROFILING_FLAGS]


def profiling_build(source: Path, task: Task) -> CompileOutcome:
    """The candidate compiled for profiling (cached like any build)."""
    return compile_candidate(source, profiling_flags(task.cxxflags))


def driver_path() -> Path:
    """The ``aiopt-driver`` executable installed with the extension."""
    path = Path(_core.__file__).resolve().parent / "bin" / "aiopt-driver"
    if not path.is_file():
        raise FileNotFoundError(f"aiopt-driver not found at {path}: reinstall aiopt-harness")
    return path


def driver_command(
    shared_object: Path,
    input_path: Path,
    *,
    runs: int = 1,
    warmup: int = 1,
    seconds: float = 0.0,
) -> list[str]:
    return [
        str(driver_path()),
        "--so",
        str(shared_object),
        "--input",
        str(input_path),
        "--runs",
        str(runs),
        "--warmup",
        str(warmup),
        "--seconds",
        f"{seconds:g}",
    ]


@dataclass(frozen=True)
class ToolRun:
    """How an external command ended."""

    returncode: int | None  # None: killed at the timeout
    stdout: str
    stderr: str

    @property
    def timed_out(self) -> bool:
        return self.returncode is None


def run_tool(
    command: list[str],
    *,
    timeout: float,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> ToolRun:
    """Runs ``command`` in its own process group; kills the whole group at ``timeout``."""
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        return ToolRun(None, stdout, stderr)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return ToolRun(process.returncode, stdout, stderr)
