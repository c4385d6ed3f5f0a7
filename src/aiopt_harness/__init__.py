"""aiopt-harness: measure, profile and score compiled C++ candidate programs.

``measure(candidate, task=...)`` and ``compare(baseline, candidate, task=...)`` compile
C++ candidates, check their output against the task's reference, and time them in an
isolated, pinned child process. See docs/tasks.md for the task format and
docs/statistics.md for the statistics.

The public names are imported on first use (PEP 562), so importing one pure-Python
module of the package never loads numpy or the C++ core.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .common.paths import include_dir
    from .common.statistics import TimeStats
    from .measurement.harness import CheckResult, check, compare, measure
    from .measurement.results import CompareResult, CounterReading, MeasureResult
    from .profilers.mutation_context import MutationContext, generate_mutation_context
    from .profilers.profiling import Profile, profile
    from .sandbox.verdict import Status
    from .tasks.task import CheckSpec, Task, TaskError, load_task

# public name -> the module that defines it
_EXPORTS = {
    "CheckResult": ".measurement.harness",
    "CheckSpec": ".tasks.task",
    "CompareResult": ".measurement.results",
    "CounterReading": ".measurement.results",
    "MeasureResult": ".measurement.results",
    "MutationContext": ".profilers.mutation_context",
    "Profile": ".profilers.profiling",
    "Status": ".sandbox.verdict",
    "Task": ".tasks.task",
    "TaskError": ".tasks.task",
    "TimeStats": ".common.statistics",
    "check": ".measurement.harness",
    "compare": ".measurement.harness",
    "generate_mutation_context": ".profilers.mutation_context",
    "include_dir": ".common.paths",
    "load_task": ".tasks.task",
    "measure": ".measurement.harness",
    "profile": ".profilers.profiling",
}

__all__ = [
    "CheckResult",
    "CheckSpec",
    "CompareResult",
    "CounterReading",
    "MeasureResult",
    "MutationContext",
    "Profile",
    "Status",
    "Task",
    "TaskError",
    "TimeStats",
    "check",
    "compare",
    "generate_mutation_context",
    "include_dir",
    "load_task",
    "measure",
    "profile",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
