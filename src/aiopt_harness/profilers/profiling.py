"""``profile()``: measure a candidate, then run the requested profilers on it.

The candidate is compiled and checked first (through ``measure``, which also gives the
counters and the native off-CPU figures); external profilers then run the driver on a
profiling build. Every requested profiler yields a section, available or not.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..common.scratch import scratch_directory
from ..measurement.harness import measure
from ..measurement.results import MeasureResult
from ..sandbox.cpu_lease import cpu_lease, default_cpu
from ..sandbox.verdict import Status
from ..tasks.task import Task, load_task
from .context import ProfileContext
from .driver import profiling_build, write_driver_inputs
from .recording import SharedRecording
from .section import ProfileSection, unavailable

PROFILERS = ("counters", "simulated", "sampling", "causal", "offcpu")
# Causal profiling needs 10-30 s of runtime for useful curves: off by default.
DEFAULT_PROFILERS = ("counters", "simulated", "sampling", "offcpu")


@dataclass
class Profile:
    """A candidate's measurement and its profiler sections, in the order requested."""

    task: str
    candidate: Path
    status: Status
    message: str
    source_lines: tuple[str, ...]
    measurement: dict[str, Any]
    sections: dict[str, ProfileSection] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "task": self.task,
            "candidate": str(self.candidate),
            "status": self.status.value,
            "message": self.message,
            "measurement": self.measurement,
            "sections": {name: section.to_dict() for name, section in self.sections.items()},
        }


def _runner(name: str) -> Callable[[ProfileContext], ProfileSection]:
    module = importlib.import_module(f".{name}", __package__)
    runner: Callable[[ProfileContext], ProfileSection] = module.run
    return runner


def _run_one(name: str, context: ProfileContext) -> ProfileSection:
    started = time.monotonic()
    try:
        section = _runner(name)(context)
    except Exception as error:  # a profiler's bug must not hide the other sections
        section = unavailable(name, f"internal error: {type(error).__name__}: {error}")
    section.seconds = time.monotonic() - started
    return section


def _extra_sections(
    bcoz: Path | None, bperf: Path | None, lines: tuple[str, ...]
) -> dict[str, ProfileSection]:
    sections: dict[str, ProfileSection] = {}
    if bcoz is not None:
        from .causal import load_bcoz_profile

        sections["causal_bcoz"] = load_bcoz_profile(bcoz, sources=lines)
    if bperf is not None:
        from .offcpu import load_bperf_report

        sections["offcpu_bperf"] = load_bperf_report(bperf)
    return sections


def profile(
    candidate: str | Path,
    *,
    task: Task | str | Path,
    profilers: Sequence[str] = DEFAULT_PROFILERS,
    budget: float = 10.0,
    causal_budget: float = 30.0,
    timeout: float = 120.0,
    bcoz_profile: str | Path | None = None,
    bperf_report: str | Path | None = None,
    on_progress: Callable[[str], None] | None = None,
    require_containment: bool = False,
    measurement: MeasureResult | None = None,
    concurrent: bool = False,
) -> Profile:
    """Measures ``candidate`` and runs ``profilers`` on it.

    ``budget`` is the time each external profiler aims for (``causal_budget`` for Coz),
    ``timeout`` the time after which any of them is killed. ``bcoz_profile`` and
    ``bperf_report`` add sections parsed from files made elsewhere (they need a patched
    kernel). ``on_progress`` receives one line per step. Every tool that runs candidate
    code runs in the sandbox (sandbox/tool_jail.py); each section's ``containment``
    figure says what held, and with ``require_containment`` a tool without its full
    sandbox gives no section. ``measurement``: the candidate's measurement if one was
    just made (e.g. ``CompareResult.candidate_measurement()``), so that it is not timed
    and checked again. ``concurrent``: run the profilers side by side (quicker on several
    CPUs; sampling shares then come from a loaded machine, cachegrind is unaffected).
    """
    unknown = [name for name in profilers if name not in PROFILERS]
    if unknown:
        raise ValueError(f"unknown profilers {unknown}; choose from {', '.join(PROFILERS)}")
    say = on_progress or (lambda _: None)
    the_task = task if isinstance(task, Task) else load_task(task)
    source = Path(candidate)
    lines = tuple(source.read_text(errors="replace").splitlines())
    measured: MeasureResult
    if measurement is not None:
        measured = measurement
    else:
        say("measuring (compile, check, time, counters)")
        measured = measure(
            source, task=the_task, budget=1.0, require_containment=require_containment
        )
    result = Profile(
        the_task.name, source, measured.status, measured.message, lines, measured.to_dict()
    )
    if not measured.ok:
        return result
    build = profiling_build(source, the_task)
    with scratch_directory("profile") as scratch:
        inputs = write_driver_inputs(the_task, Path(scratch) / "inputs")
        # one perf session for the sections that read stacks
        recording = SharedRecording(wanted=bool({"sampling", "offcpu"} & set(profilers)))

        def section_of(name: str) -> ProfileSection:
            if build.shared_object is None:
                return unavailable(name, f"the profiling build failed: {build.diagnostics}")
            say(f"running the {name} profiler")
            context = ProfileContext(
                task=the_task,
                source=source,
                source_lines=lines,
                shared_object=build.shared_object,
                inputs=inputs,
                work_dir=Path(scratch) / name,
                budget=causal_budget if name == "causal" else budget,
                # Coz must get its budget plus startup and the end of its last experiment
                timeout=max(timeout, causal_budget + 30) if name == "causal" else timeout,
                measurement=result.measurement,
                require_containment=require_containment,
                shared_recording=None if name == "causal" else recording,
            )
            context.work_dir.mkdir()
            section = _run_one(name, context)
            if context.containment_seen and section.available:
                held = context.containment_seen[0]
                for other in context.containment_seen[1:]:
                    held = held.combined(other)
                section.figures["containment"] = held.summary()
            return section

        # External profilers run unpinned: hold the measurement CPU so that no
        # concurrent evaluation is timed while they load the machine.
        with cpu_lease(default_cpu()):
            if concurrent:
                with ThreadPoolExecutor(max_workers=len(profilers) or 1) as pool:
                    sections = list(pool.map(section_of, profilers))
            else:
                sections = [section_of(name) for name in profilers]
        for name, section in zip(profilers, sections, strict=True):
            result.sections[name] = section
            result.sections.update(section.subsections)
    result.sections.update(
        _extra_sections(
            Path(bcoz_profile) if bcoz_profile else None,
            Path(bperf_report) if bperf_report else None,
            lines,
        )
    )
    return result
