"""What a session is given and what it gives back: the programs and the plan, one record
per timed call, the result, and the failure that ends a session early."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..common.statistics import RatioEstimate, mean_cost_ratio, stratified_copy_ratio
from ..sandbox.containment import Containment
from ..sandbox.verdict import Failure, Status
from ..sandbox.worker_client import SandboxSettings
from .layouts import alignment_stratum


@dataclass(frozen=True)
class Program:
    """A compiled program to run: its object file, and whether it is the task's initial
    program (whose outputs define the expected ones)."""

    object_file: Path
    reference: bool


@dataclass(frozen=True)
class Plan:
    """How long a session runs and how it stops."""

    budget: float  # seconds of rounds (warmup excluded)
    copies: int  # loaded copies per program (pairs, for two programs)
    min_rounds: int = 5  # rounds per copy before the precision rule may stop
    max_rounds: int = 1000  # rounds per copy
    precision: float = 0.0  # stop once the interval's relative half-width is this; 0: never
    timeout: float = 30.0  # seconds for any one request
    counters: str = "none"  # the worker's --counters
    inject_counter_errno: str = ""  # testing: the worker's --inject-counter-errno
    sandbox: SandboxSettings = field(default_factory=SandboxSettings)


@dataclass
class Call:
    """One timed call."""

    program: int
    copy: int
    round: int  # per copy (pair)
    wall_ns: int  # as the worker timed it
    # the call's cost: its wall time without the run-queue wait other processes caused
    # (CallReply.cost_ns, sandbox/run_queue.py); the wall time where that is unavailable
    cost_ns: int
    cpu_ns: int
    observed_ns: int
    counters: tuple[float, ...]
    waited_ns: int | None = None  # run-queue wait for other processes; None: unavailable


@dataclass
class SessionResult:
    calls: list[Call]
    counter_status: list[dict[str, Any]]
    rounds: int  # per copy
    stopped_by: str
    seconds: float
    per_copy_log_ratios: list[list[float]]  # two programs: per pair, its round ratios
    metrics: list[list[float]]  # output-metric tasks: per program, per checked call
    offcpu: list[dict[str, int | None]]  # per program, from /proc, summed over copies
    layout_pads: list[list[int]]  # per program, per copy
    checked_calls: int
    distinct_inputs: int  # seeds used; each input goes to one call of each program
    containment: Containment  # the weakest sandbox any worker of the session had
    cache_repairs: list[str]  # cache entries that failed their content hash, rebuilt
    # The machine's state over the timed rounds (/proc/stat): the busy share of the
    # measuring CPU and the mean busy share of the others (None: unreadable)
    machine_load: dict[str, float | None] = field(default_factory=dict)
    # why calls are not corrected for run-queue wait (None: they are)
    run_queue_unavailable: str | None = None

    def strata(self) -> list[int]:
        """Each copy pair's code-alignment stratum (its pad's 16-byte step mod 64)."""
        return [alignment_stratum(pad) for pad in self.layout_pads[0]]

    def pair_totals(self, key: str = "cost_ns") -> list[tuple[float, float]]:
        """Per copy pair, the total cost (or ``key``: "wall_ns") of the baseline's and
        the candidate's timed calls (the same number of each: a round calls both twice)."""
        return pair_totals(self.calls, len(self.layout_pads[0]), key)

    def estimate(self) -> RatioEstimate:
        """The score: the speedup in mean cost per call (statistics.mean_cost_ratio)."""
        return mean_cost_ratio(self.pair_totals(), self.strata())

    def wall_estimate(self) -> RatioEstimate:
        """The score from wall times, run-queue wait included: a second number only."""
        return mean_cost_ratio(self.pair_totals("wall_ns"), self.strata())

    def best_case(self) -> RatioEstimate:
        """The best-case figure (fastest calls per round): a second number only."""
        return stratified_copy_ratio(self.per_copy_log_ratios, self.strata())


def pair_totals(calls: list[Call], pairs: int, key: str = "cost_ns") -> list[tuple[float, float]]:
    totals = [[0.0, 0.0] for _ in range(pairs)]
    for call in calls:
        totals[call.copy][call.program] += getattr(call, key)
    return [(a, b) for a, b in totals]


@dataclass(frozen=True)
class SessionFailure:
    failure: Failure
    program: int | None  # index into the session's programs; None: not attributable


class Abort(Exception):
    """Ends a session: the failure, and the program it is attributed to (None: the
    harness's or the task's, not one of the session's programs)."""

    def __init__(self, status: Status, message: str, program: int | None) -> None:
        super().__init__(message)
        self.failure = Failure(status, message)
        self.program = program
