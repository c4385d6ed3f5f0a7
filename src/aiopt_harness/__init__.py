"""aiopt-harness: measure, profile and score compiled C++ candidate programs.

``measure(candidate, task=...)`` and ``compare(baseline, candidate, task=...)`` compile
C++ candidates, check their output against the task's reference, and time them in an
isolated, pinned child process. See the README for the task format and the statistics.
"""

from .harness import compare, measure
from .mutation_context import MutationContext, generate_mutation_context
from .paths import include_dir
from .profiling import Profile, profile
from .results import CompareResult, CounterReading, MeasureResult, Status
from .statistics import TimeStats
from .task import CheckSpec, Task, TaskError, load_task

__all__ = [
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
    "compare",
    "generate_mutation_context",
    "include_dir",
    "load_task",
    "measure",
    "profile",
]
