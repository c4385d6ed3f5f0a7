"""Timed calls of one or two programs in sandboxed workers, every output checked outside.

The trusted side (this process) holds the truth: it makes every input from a fresh seed
with the task's generator, keeps every expected output, and judges every reply. Each
loaded copy of a program is an ``aiopt-worker`` process of its own (sandbox.worker_client)
with its own code layout (a link-time pad, build.compiler.layout_copy) and data layout
(a layout seed); all of them are pinned to one CPU and take turns call by call, so no
candidate shares an address space with the baseline, the inputs or the expected outputs.

One session:

1. every copy gets the task's params (``aiopt_init``) and a random number of warmup
   calls (2 to 5) on fresh inputs: checked like every other call, not timed;
2. rounds: for ``compare`` (two programs, copies paired), a round of one pair is ABBA or
   BAAB (random) on two fresh inputs, x1 for the first two calls and x2 for the last two;
   for ``measure`` (one program), a round is one call of each copy;
3. after every reply: the output is checked against the task's initial program on the
   same input (its output in the same round, or the oracle's: a worker of the initial
   program started for this when neither program is it); the worker must be
   single-threaded and childless, must not have used more CPU than the call's round trip
   allows, and its reported time must fit inside the harness's own clock;
4. a result counts only from workers that exit cleanly when told to (``aiopt_fini``).

The parts: session_records (the plan, the calls, the result), layouts (pads and layout
seeds), workers (the copies' processes: start, failures, end), calls (one checked call),
rounds (warmup, the two round modes, the stopping rules), verdicts (what condemns a
program), accounting (the kernel's figures over the timed rounds). This module puts them
in order.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

from ..common.procfs import cpu_ticks
from ..sandbox.cpu_lease import cpu_lease
from ..sandbox.worker_client import Limits
from ..tasks.task import Task
from .accounting import machine_load, offcpu_per_program, snapshot
from .calls import CheckedCalls
from .layouts import ALIGNMENT_STRATA, alignment_stratum
from .rounds import run_rounds, warm_up
from .session_records import (
    Abort,
    Call,
    Plan,
    Program,
    SessionFailure,
    SessionResult,
    pair_totals,
)
from .verdicts import OutputJudge, judge_excess_cpu
from .workers import WorkerPool

__all__ = [
    "ALIGNMENT_STRATA",
    "Call",
    "Plan",
    "Program",
    "SessionFailure",
    "SessionResult",
    "alignment_stratum",
    "pair_totals",
    "run_session",
]


def run_session(
    programs: list[Program],
    task: Task,
    *,
    reference: Path,
    cpu: int,
    limits: Limits,
    plan: Plan,
    scratch: Path,
    seed: int | None = None,
) -> SessionResult | SessionFailure:
    """Runs one session (see the module docstring) of one or two programs."""
    if not 1 <= len(programs) <= 2:
        raise ValueError("a session times one program or compares two")
    rng = random.Random(seed if seed is not None else int.from_bytes(os.urandom(8), "little"))
    generator = task.generator()
    pool = WorkerPool(
        programs, task, reference, generator.params(), cpu, limits, plan, scratch, rng
    )
    judge = OutputJudge(programs, task)
    calls = CheckedCalls(pool, judge, generator, plan.timeout)
    with cpu_lease(cpu):
        try:
            return _run(pool, calls, judge, rng)
        except Abort as abort:
            return SessionFailure(abort.failure, abort.program)
        finally:
            pool.kill()


def _run(
    pool: WorkerPool, calls: CheckedCalls, judge: OutputJudge, rng: random.Random
) -> SessionResult:
    plan = pool.plan
    pool.start()
    counter_status = pool.counter_status()
    pairs = pool.pairs()
    warm_up(pairs, calls, rng)
    before = snapshot(pool.pids())
    strata = [alignment_stratum(pad) for pad in pool.pads()[0]]
    ticks_before = cpu_ticks()
    rounds = run_rounds(pairs, len(pool.programs), calls, plan, strata, rng)
    load = machine_load(ticks_before, cpu_ticks(), pool.cpu)
    after = snapshot(pool.pids())
    judge.seed_check()
    judge_excess_cpu(pool.finish())
    return SessionResult(
        calls=rounds.calls,
        counter_status=counter_status,
        rounds=rounds.rounds,
        stopped_by=rounds.stopped_by,
        seconds=rounds.seconds,
        per_copy_log_ratios=rounds.per_pair_log_ratios,
        metrics=judge.metrics,
        offcpu=offcpu_per_program(before, after, rounds.calls),
        layout_pads=pool.pads(),
        checked_calls=judge.checked,
        distinct_inputs=len(calls.seen_seeds),
        containment=pool.containment(),
        cache_repairs=pool.cache_repairs,
        machine_load=load,
        run_queue_unavailable=pool.run_queue_unavailable(),
    )
