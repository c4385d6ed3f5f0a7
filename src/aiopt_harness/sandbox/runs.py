"""The two kinds of sandboxed run: recording outputs, and timing calls."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .cpu_lease import cpu_lease
from .launch import SandboxReport, run_sandboxed
from .verdict import Failure, Status, failure_of


def default_cpu() -> int:
    """The last CPU this process may run on."""
    return max(os.sched_getaffinity(0))


@dataclass(frozen=True)
class Settings:
    """How sandboxed runs are limited and measured."""

    cpu: int | None = None  # None: default_cpu()
    timeout: float = 30.0  # per sandboxed run, plus the timing budget for timing runs
    memory_limit_mb: int = 2048  # address space for the candidate on top of the harness's
    output_limit_mb: int = 64  # largest file the process may write (stdout, stderr, outputs)
    warmup: int = 3  # untimed calls per variant before timing
    counters: bool = True
    event_groups: tuple[tuple[str, ...], ...] | None = None  # None: the core's default
    inject_errno: tuple[tuple[str, int], ...] = ()  # testing: fail these events' open
    seed: int | None = None  # round order; None: fresh randomness
    copies: int = 4  # loaded copies of each program, each with its own code and state

    def pinned_cpu(self) -> int:
        if self.cpu is None:
            return default_cpu()
        allowed = sorted(os.sched_getaffinity(0))
        if self.cpu not in allowed:
            raise ValueError(
                f"CPU {self.cpu} is not available to this process "
                f"(allowed: {', '.join(map(str, allowed))})"
            )
        return self.cpu


def _request(settings: Settings, timeout: float) -> dict[str, Any]:
    return {
        "cpu": settings.pinned_cpu(),
        "timeout": timeout,
        "cpu_limit_s": timeout + 5.0,
        "memory_limit_mb": settings.memory_limit_mb,
        "output_limit_mb": settings.output_limit_mb,
    }


def _run(
    request: dict[str, Any], run_dir: Path, settings: Settings
) -> tuple[SandboxReport, Failure | None]:
    with cpu_lease(int(request["cpu"])):
        report = run_sandboxed(request, run_dir)
    return report, failure_of(report, float(request["timeout"]), settings.output_limit_mb)


@dataclass(frozen=True)
class FailedProgram:
    """A failure and which program (index into the run's programs) caused it, if known."""

    failure: Failure
    program: int | None


def record_outputs(
    programs: list[Path], inputs: list[Path], settings: Settings
) -> list[list[bytes]] | FailedProgram:
    """Runs each program once on each input (twice, to see that runs repeat) and returns
    outputs[program][input]. A program whose second run differs fails as wrong output."""
    request = _request(settings, settings.timeout)
    request.update(
        {
            "mode": "outputs",
            "programs": [str(p) for p in programs],
            "inputs": [str(i) for i in inputs],
        }
    )
    with tempfile.TemporaryDirectory(prefix="aiopt-run-") as scratch:
        run_dir = Path(scratch)
        report, failure = _run(request, run_dir, settings)
        if failure is not None:
            program = (report.result or {}).get("program")
            return FailedProgram(failure, program if len(programs) > 1 else 0)
        assert report.result is not None
        outputs = [
            [(run_dir / f"output-{p}-{i}.bin").read_bytes() for i in range(len(inputs))]
            for p in range(len(programs))
        ]
        for p, i in report.result.get("not_repeatable", []):
            return FailedProgram(
                Failure(
                    Status.WRONG_OUTPUT,
                    f"input {inputs[i].name}: the output of a second aiopt_run differs from "
                    "the first (runs must be repeatable)",
                ),
                p,
            )
    return outputs


@dataclass(frozen=True)
class TimingRun:
    result: dict[str, Any]
    stdout: str
    stderr: str


def time_programs(
    programs: list[Path],
    timing_input: Path,
    settings: Settings,
    *,
    budget: float,
    min_rounds: int,
    max_rounds: int,
    precision: float,
) -> TimingRun | FailedProgram:
    """Times one program, or two interleaved in rounds (see ``_worker``)."""
    request = _request(settings, settings.timeout + budget)
    request.update(
        {
            "mode": "time",
            "inputs": [str(timing_input)],
            "warmup": settings.warmup,
            "budget": budget,
            "min_rounds": min_rounds,
            "max_rounds": max_rounds,
            "precision": precision,
            "counters": settings.counters,
            "event_groups": [list(g) for g in settings.event_groups]
            if settings.event_groups
            else None,
            "inject_errno": dict(settings.inject_errno),
            "seed": settings.seed
            if settings.seed is not None
            else int.from_bytes(os.urandom(8), "little"),
        }
    )
    with tempfile.TemporaryDirectory(prefix="aiopt-run-") as scratch:
        run_dir = Path(scratch)
        # Every loaded copy is its own file: dlopen of a path already loaded would return
        # the same code, and identical programs must not share it.
        paths = []
        for v, program in enumerate(programs):
            for k in range(settings.copies):
                copy = run_dir / f"variant{v}-copy{k}.so"
                shutil.copyfile(program, copy)
                paths.append(str(copy))
        request["programs"] = paths
        request["copies"] = settings.copies
        report, failure = _run(request, run_dir, settings)
        if failure is not None:
            return FailedProgram(failure, (report.result or {}).get("program"))
        assert report.result is not None
        return TimingRun(report.result, report.stdout, report.stderr)
