"""The workers of one session: every loaded copy of every program (and the oracle, when
neither program is the task's initial one), their layouts, their start, their end.

Each copy is an ``aiopt-worker`` process of its own (sandbox.worker_client) with its own
code layout and data layout (layouts.py). A worker's failure is attributed to its
program (:meth:`WorkerPool.guard`); the oracle's is the task's."""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from ..build.compiler import LinkError, layout_copy
from ..sandbox.containment import Containment
from ..sandbox.verdict import Status
from ..sandbox.worker_client import Limits, Worker, WorkerFailed
from ..tasks.task import Task
from .accounting import sched_figures
from .layouts import LayoutDraws
from .session_records import Abort, Plan, Program

# Layout copies linked at once before a session (g++ -shared is mostly process start)
LINK_WORKERS = max(1, min(4, len(os.sched_getaffinity(0))))
T = TypeVar("T")


@dataclass
class Copy:
    """One loaded copy: a worker, and what it has done so far."""

    # index into the session's programs; None: the oracle, a copy of the task's initial
    # program that is none of the session's programs and only gives expected outputs
    program: int | None
    index: int
    worker: Worker
    pad: int
    trusted: bool  # the task's initial program (its reports are honest)
    cpu_after_last_ns: int = 0
    calls: int = 0
    wall_ns: int = 0  # reported wall time of all its calls
    # sum over its calls of min(reported thread CPU, reported wall): the CPU it spent in
    # calls; read only for the trusted program (whose reports are honest)
    cpu_in_calls_ns: int = 0
    cpu_after_init_ns: int = 0  # its thread's run time when aiopt_init had returned

    @property
    def is_oracle(self) -> bool:
        return self.program is None

    @property
    def program_index(self) -> int:
        """Its program's index in the session (the oracle has none)."""
        if self.program is None:
            raise ValueError("the oracle is none of the session's programs")
        return self.program


class WorkerPool:
    """Starts, watches the failures of, and ends every worker of one session."""

    def __init__(
        self,
        programs: list[Program],
        task: Task,
        reference: Path,  # the initial program's object file: the oracle, when needed
        params: bytes,
        cpu: int,
        limits: Limits,
        plan: Plan,
        scratch: Path,
        rng: random.Random,
    ) -> None:
        self.programs = programs
        self.task = task
        self.reference = reference
        self.params = params
        self.cpu = cpu
        self.limits = limits
        self.plan = plan
        self.scratch = scratch
        self.rng = rng
        self.layouts = LayoutDraws(rng)
        self.copies: list[list[Copy]] = []  # per program, per copy
        self.oracle: Copy | None = None
        self.cache_repairs: list[str] = []  # tampered cache entries rebuilt on the way
        self.reference_index = next((i for i, p in enumerate(programs) if p.reference), None)

    # --- start --------------------------------------------------------------------------

    def start(self) -> None:
        """Links every copy's layout (in parallel: nothing is timed yet, and the CPU lease
        is held), then starts the workers one by one.

        Copy k of every program gets the same layout draw (code pad and data layout seed):
        common random numbers. A pair then compares the programs in one layout, so the
        layout's own effect (tens of percent on some kernels: bench/comparisons) cancels
        within the pair instead of adding to its noise, while the pairs still cover as
        many random layouts as before; the mean over pairs estimates the same thing."""
        draws = [
            (self.layouts.stratified_pad(k), self.layouts.layout_seed())
            for k in range(self.plan.copies)
        ]
        pads = [[pad for pad, _ in draws] for _ in self.programs]
        oracle_pad = self.layouts.pad()
        links = {
            (p.object_file, pad) for p, row in zip(self.programs, pads, strict=True) for pad in row
        }
        if self.reference_index is None:
            links.add((self.reference, oracle_pad))
        with ThreadPoolExecutor(max_workers=LINK_WORKERS) as pool:
            for _ in pool.map(lambda link: self._link(*link), sorted(links)):
                pass
        # Pair by pair, in a random order within each pair: the copies started first get
        # their memory first, so no program may always start first (baseline and
        # candidate must be treated alike).
        # Each copy is recorded as soon as it runs, so that a failure while the others
        # start still kills it (kill sees every recorded copy).
        self.copies = [[] for _ in self.programs]
        for k, (pad, seed) in enumerate(draws):
            order = list(range(len(self.programs)))
            self.rng.shuffle(order)
            for p in order:
                self.copies[p].append(self._start(p, k, self.programs[p].object_file, pad, seed))
        if self.reference_index is None:
            self.oracle = self._start(
                None, 0, self.reference, oracle_pad, self.layouts.layout_seed()
            )

    def _link(self, object_file: Path, pad: int) -> Path:
        try:
            return layout_copy(object_file, pad, self.cache_repairs)
        except LinkError as error:
            raise Abort(Status.HARNESS_ERROR, str(error), None) from error

    def _start(
        self, program: int | None, index: int, object_file: Path, pad: int, layout_seed: int
    ) -> Copy:
        shared_object = self._link(object_file, pad)
        worker = Worker(
            shared_object,
            cpu=self.cpu,
            out_cap=self.task.output_capacity,
            directory=self.scratch / ("oracle" if program is None else f"p{program}-c{index}"),
            limits=self.limits,
            counters=self.plan.counters,
            layout_seed=layout_seed,
            inject_counter_errno=self.plan.inject_counter_errno,
            sandbox=self.plan.sandbox,
        )
        trusted = program is None or self.programs[program].reference
        copy = Copy(program, index, worker, pad, trusted)
        try:
            self.guard(copy, partial(worker.init, self.params, self.plan.timeout))
        except Abort:
            worker.kill()  # not yet recorded: nothing else would end it
            raise
        copy.cpu_after_init_ns = sched_figures(worker.pid)["run_ns"] or 0
        return copy

    # --- while it runs ------------------------------------------------------------------

    def guard(self, copy: Copy, action: Callable[[], T]) -> T:
        """``action`` on ``copy``'s worker; a failure of the worker ends the session,
        attributed to its program (the oracle's to the task, as a harness error)."""
        try:
            return action()
        except WorkerFailed as error:
            if copy.is_oracle:
                raise Abort(
                    Status.HARNESS_ERROR,
                    f"the task's initial program failed as the reference: {error.failure.message}",
                    None,
                ) from error
            raise Abort(error.failure.status, error.failure.message, copy.program) from error

    def counter_status(self) -> list[dict[str, Any]]:
        """The counters the workers opened (from the first worker: they all open the
        same groups); [] when the plan opens none. A failed pinning is the harness's."""
        if self.plan.counters == "none":
            return []
        first = self.copies[0][0]
        status = self.guard(first, partial(first.worker.status, self.plan.timeout))
        counters: Any = status.get("counters", [])
        counter_status = list(counters)
        if status.get("pin_error"):
            raise Abort(Status.HARNESS_ERROR, f"pinning failed: {status['pin_error']}", None)
        return counter_status

    def pairs(self) -> list[tuple[Copy, ...]]:
        """Per copy index, one copy per program."""
        return list(zip(*self.copies, strict=True))

    def pids(self) -> list[list[int]]:
        """Per program, per copy, its worker's process id."""
        return [[c.worker.pid for c in copies] for copies in self.copies]

    def pads(self) -> list[list[int]]:
        """Per program, per copy, its code layout pad."""
        return [[c.pad for c in copies] for copies in self.copies]

    def containment(self) -> Containment:
        """Every worker's sandbox report, the weakest state of each layer."""
        combined = Containment()
        for copy in self._all():
            combined = combined.combined(copy.worker.containment)
        return combined

    def run_queue_unavailable(self) -> str | None:
        """Why some timed copy's calls are not corrected for run-queue wait (None: every
        copy's are)."""
        reasons = [c.worker.sched_unavailable for copies in self.copies for c in copies]
        return next((reason for reason in reasons if reason is not None), None)

    def _all(self) -> list[Copy]:
        everyone = [c for copies in self.copies for c in copies]
        return [*everyone, self.oracle] if self.oracle is not None else everyone

    # --- end ----------------------------------------------------------------------------

    def finish(self) -> list[tuple[Copy, int]]:
        """Reads each worker's CPU time (``Worker.cpu_ns``), then asks it to finish; a
        result counts only if all exit cleanly. Returns each copy with that CPU time."""
        final_cpu: list[tuple[Copy, int]] = []
        for copy in self._all():
            cpu_ns = self.guard(copy, copy.worker.cpu_ns)
            self.guard(copy, partial(copy.worker.quit, self.plan.timeout))
            final_cpu.append((copy, cpu_ns))
        return final_cpu

    def kill(self) -> int:
        return sum(copy.worker.kill() for copy in self._all())
