"""Running a candidate under an external tool: the profiling build and the driver."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from .. import _core
from ..build.compiler import CompileOutcome, compile_candidate
from ..common.processes import GroupRun, run_in_group
from ..sandbox.tool_jail import Holder, ToolJail
from ..tasks.generator import fresh_seed
from ..tasks.task import Task

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


PROFILE_INPUTS = 16  # fresh inputs the driver cycles through


def write_driver_inputs(task: Task, directory: Path, count: int = PROFILE_INPUTS) -> DriverInputs:
    """The task's params and ``count`` inputs from fresh seeds, in the driver's files
    (inputs as frames: u64 little-endian length, then the bytes)."""
    generator = task.generator()
    directory.mkdir(parents=True, exist_ok=True)
    params = directory / "params.bin"
    params.write_bytes(generator.params())
    inputs = directory / "inputs.bin"
    with inputs.open("wb") as out:
        for _ in range(count):
            data = generator.generate(fresh_seed())
            out.write(len(data).to_bytes(8, "little"))
            out.write(data)
    return DriverInputs(params, inputs, task.output_capacity)


@dataclass(frozen=True)
class DriverInputs:
    """The files and output capacity the driver runs a candidate with."""

    params: Path
    inputs: Path
    out_cap: int


def driver_command(
    shared_object: Path,
    inputs: DriverInputs,
    *,
    runs: int = 1,
    warmup: int = 1,
    seconds: float = 0.0,
    sandbox: list[str] | None = None,
) -> list[str]:
    """The driver's command line; ``sandbox`` is its own sandbox (ToolJail.driver_args)."""
    return [
        str(driver_path()),
        "--so",
        str(shared_object),
        "--params",
        str(inputs.params),
        "--inputs",
        str(inputs.inputs),
        "--out-cap",
        str(inputs.out_cap),
        "--runs",
        str(runs),
        "--warmup",
        str(warmup),
        "--seconds",
        f"{seconds:g}",
        *(sandbox or []),
    ]


ToolRun = GroupRun  # how an external profiler's command ended


class ProfileContextLike(Protocol):
    """What a tool sandbox needs of a profiler's context (context.py imports this module)."""

    @property
    def shared_object(self) -> Path: ...
    @property
    def inputs(self) -> DriverInputs: ...
    @property
    def work_dir(self) -> Path: ...
    @property
    def require_containment(self) -> bool: ...


def run_tool(
    command: list[str],
    *,
    timeout: float,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> ToolRun:
    """Runs ``command`` (trusted input only: no candidate code, no file a candidate wrote)
    in its own process group; kills the whole group at ``timeout``."""
    return run_in_group(command, timeout=timeout, cwd=cwd, env={**os.environ, **(env or {})})


def tool_jail(
    ctx: ProfileContextLike,
    name: str,
    holder: Holder,
    *,
    read: tuple[Path, ...] = (),
    execute: tuple[Path, ...] = (),
    allow: tuple[str, ...] = (),
    driver_allow: tuple[str, ...] = (),
) -> ToolJail:
    """A sandbox for one tool run on ``ctx``'s candidate: it reads the candidate's shared
    object, the driver and its inputs (plus ``read``), executes the driver (plus
    ``execute``), and writes only its scratch directory."""
    reads = (ctx.shared_object, ctx.inputs.params, ctx.inputs.inputs, driver_path())
    return ToolJail.create(
        ctx.work_dir / f"{name}-jail",
        holder,
        read=(*reads, *read),
        execute=(driver_path(), *execute),
        allow=allow,
        driver_allow=driver_allow,
        require_containment=ctx.require_containment,
    )


def run_jailed(
    command: list[str],
    jail: ToolJail,
    *,
    timeout: float,
    env: dict[str, str] | None = None,
) -> ToolRun:
    """Runs ``command`` inside ``jail``: minimal environment (plus ``env``, set by the
    launcher for the command only), its scratch as working directory, the whole process
    group killed at ``timeout``."""
    return run_in_group(
        jail.command(command, env),
        timeout=timeout,
        cwd=jail.scratch,
        env=jail.environment(),
        pass_fds=(jail.report_fd,),
    )
