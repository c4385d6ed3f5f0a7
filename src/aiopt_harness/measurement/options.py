"""The keyword options every measuring entry point shares, typed once.

``measure``, ``compare`` and ``check`` take them as ``**options``; the CLI, the profiler
and the evaluator pass them through unchanged. :func:`run_settings` turns them into the
sandbox's :class:`~aiopt_harness.sandbox.runs.Settings`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypedDict

from ..sandbox.runs import Settings


class RunOptions(TypedDict, total=False):
    """How sandboxed runs are limited and measured (see the README for defaults)."""

    cpu: int | None  # CPU to pin to; None: the last CPU this process may use
    warmup: int  # untimed calls per loaded copy before timing (default 3)
    counters: bool  # open perf_event counters (default True)
    timeout: float  # seconds per isolated run (default 30; timing runs add the budget)
    memory_limit_mb: int  # address space for the candidate beyond the harness's own
    output_limit_mb: int  # largest file the candidate process may write
    seed: int | None  # round order of compare; None: fresh randomness
    event_groups: Sequence[Sequence[str]] | None  # perf_event groups; None: the default
    inject_errno: Mapping[str, int] | None  # testing: make these events' open fail


def run_settings(options: RunOptions) -> Settings:
    """The sandbox settings for ``options`` (unset keys keep Settings' defaults)."""
    values = dict(options)
    inject = values.pop("inject_errno", None) or {}
    groups = values.pop("event_groups", None)
    return Settings(
        inject_errno=tuple(sorted(inject.items())),  # type: ignore[attr-defined]
        event_groups=tuple(tuple(g) for g in groups) if groups else None,  # type: ignore[attr-defined]
        **values,  # type: ignore[arg-type]
    )
