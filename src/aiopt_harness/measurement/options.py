"""The keyword options every measuring entry point shares, typed once.

``measure``, ``compare`` and ``check`` take them as ``**options``; the CLI, the profiler
and the evaluator pass them through unchanged. :func:`run_settings` turns them into
:class:`Settings`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypedDict

from ..sandbox.cpu_lease import default_cpu
from ..sandbox.worker_client import Limits, SandboxSettings


class RunOptions(TypedDict, total=False):
    """How sandboxed runs are limited and measured (see docs/measurement.md for defaults)."""

    cpu: int | None  # CPU to pin to; None: the last CPU this process may use
    counters: bool  # open perf_event counters (default True)
    timeout: float  # seconds any one call may take (default 30)
    memory_limit_mb: int  # address space for a worker beyond its own (default 2048)
    output_limit_mb: int  # largest file a worker may write (default 64)
    copies: int  # loaded copies (processes, layouts) per program
    seed: int | None  # round order and layouts; None: fresh randomness
    event_groups: Sequence[Sequence[str]] | None  # perf_event groups; None: the default
    inject_counter_errno: Mapping[str, int] | None  # testing: make these events' open fail
    plausible_speedup: float  # a larger speedup is re-measured before it counts (20)
    require_containment: bool  # refuse to run candidates in a partial sandbox (False)
    inject_sandbox_errno: Mapping[str, int] | None  # testing: make these layers fail


@dataclass(frozen=True)
class Settings:
    """How sandboxed runs are limited and measured."""

    cpu: int | None = None
    counters: bool = True
    timeout: float = 30.0
    memory_limit_mb: int = 2048
    output_limit_mb: int = 64
    copies: int | None = None  # None: the entry point's default
    seed: int | None = None
    event_groups: tuple[tuple[str, ...], ...] | None = None
    inject_counter_errno: tuple[tuple[str, int], ...] = ()
    plausible_speedup: float = 20.0
    require_containment: bool = False
    inject_sandbox_errno: tuple[tuple[str, int], ...] = ()

    def sandbox(self) -> SandboxSettings:
        return SandboxSettings(
            require_containment=self.require_containment,
            inject_sandbox_errno=",".join(
                f"{layer}={errno}" for layer, errno in self.inject_sandbox_errno
            ),
        )

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

    def limits(self, budget: float) -> Limits:
        return Limits(
            memory_limit_mb=self.memory_limit_mb,
            output_limit_mb=self.output_limit_mb,
            cpu_limit_s=math.ceil(self.timeout + budget) + 5,
        )

    def counter_spec(self) -> str:
        """The worker's --counters: none, the default groups, or the given ones."""
        if not self.counters:
            return "none"
        if not self.event_groups:
            return "default"
        return ";".join(",".join(group) for group in self.event_groups)

    def counter_injection_spec(self) -> str:
        """The worker's --inject-counter-errno: perf events whose open fails, with the errno."""
        return ",".join(f"{name}={errno}" for name, errno in self.inject_counter_errno)


def run_settings(options: RunOptions) -> Settings:
    """The settings for ``options`` (unset keys keep the defaults)."""
    values = dict(options)
    inject_counter = values.pop("inject_counter_errno", None) or {}
    groups = values.pop("event_groups", None)
    inject_sandbox = values.pop("inject_sandbox_errno", None) or {}
    return Settings(
        inject_sandbox_errno=tuple(sorted(inject_sandbox.items())),  # type: ignore[attr-defined]
        inject_counter_errno=tuple(sorted(inject_counter.items())),  # type: ignore[attr-defined]
        event_groups=tuple(tuple(g) for g in groups) if groups else None,  # type: ignore[attr-defined]
        **values,  # type: ignore[arg-type]
    )
