"""The cheap filter an LLM answer passes before OpenEvolve evaluates it: it gives a child
(parsed exactly as OpenEvolve's worker will), the child changes its parent beyond comments
and whitespace, compiles with the task's flags, and passes the task's check on a few
fresh inputs (``aiopt_harness.check``: the same sandboxed run as timing, nothing timed).

The compiled object lands in the compile cache, where the evaluation finds it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from ..common.scratch import scratch_directory
from ..measurement.harness import check
from .code_change import differs
from .repair import child_program

PASSED = "passed"
# What the filter found, beyond the harness's statuses (compile_error, wrong_output, ...).
NO_CHILD = "no_child"  # no program could be made of the answer (format, markers)
NO_CHANGE = "no_change"  # the child is its parent up to comments and whitespace
# How far an answer got, for picking the most promising one when none passes.
_PROGRESS = {NO_CHILD: 0, NO_CHANGE: 1, "compile_error": 2}
CHECK_TIMEOUT = 10.0  # seconds any one checked call may take


@dataclass(frozen=True)
class Screened:
    """One answer's fate in the filter: ``outcome`` is ``passed`` or why it was dropped."""

    outcome: str
    detail: str = ""
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return self.outcome == PASSED

    @property
    def progress(self) -> int:
        """How far it got: no child < no change < compile error < fails the check."""
        return 4 if self.passed else _PROGRESS.get(self.outcome, 3)


def screen(parent: str, answer: str, diff_based: bool, task: str) -> Screened:
    """Whether ``answer`` gives a changed child of ``parent`` that compiles and passes
    the task's check (``task``: a task directory or built-in name)."""
    started = time.monotonic()
    made = child_program(parent, answer, diff_based)
    if made.problem is not None or made.child is None:
        outcome = NO_CHANGE if "change" in (made.problem or "") else NO_CHILD
        return Screened(outcome, made.problem or "", time.monotonic() - started)
    if not differs(parent, made.child):
        return Screened(NO_CHANGE, "only comments or whitespace changed", 0.0)
    with scratch_directory("filter") as directory:
        source = Path(directory) / "candidate.cpp"
        source.write_text(made.child)
        result = check(source, task=task, timeout=CHECK_TIMEOUT)
    outcome = PASSED if result.ok else str(result.status)
    detail = "" if result.ok else result.message.splitlines()[0][:300] if result.message else ""
    return Screened(outcome, detail, time.monotonic() - started)
