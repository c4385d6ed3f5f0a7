"""What every profiler gets: the candidate, its profiling build, the task, a budget."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..sandbox.containment import Containment
from ..tasks.task import Task
from .driver import DriverInputs

if TYPE_CHECKING:
    from .recording import Recording, SharedRecording


@dataclass(frozen=True)
class ProfileContext:
    task: Task
    source: Path  # the candidate's C++ file
    source_lines: tuple[str, ...]  # its lines; line n is source_lines[n - 1]
    shared_object: Path  # the profiling build (see driver.profiling_build)
    inputs: DriverInputs  # params and fresh inputs for the driver
    work_dir: Path  # scratch space, removed afterwards
    budget: float  # seconds this profiler should aim to stay within
    timeout: float  # seconds after which it must be killed
    measurement: dict[str, Any] = field(default_factory=dict)  # measure(...).to_dict()
    require_containment: bool = False  # a tool run without its full sandbox gives no section
    # what each sandboxed tool run reported (sandbox/tool_jail.py), in order
    containment_seen: list[Containment] = field(default_factory=list)
    # the profile's one perf recording, shared by the sections that read stacks
    shared_recording: SharedRecording | None = None

    def perf_recording(self) -> Recording:
        """The profile's perf recording (made now if no section made it yet); raises
        ToolFailedError or ProfilerOutputError when it cannot be made."""
        from .recording import SharedRecording

        return (self.shared_recording or SharedRecording()).get(self)

    def line_text(self, line: int) -> str:
        if 1 <= line <= len(self.source_lines):
            return self.source_lines[line - 1].strip()
        return ""
