"""The calls of a session, in rounds: the untimed warmup, the timed rounds of one program
or of a pair of programs, and the rules that stop them.

For ``compare`` (two programs, copies paired), a round of one pair is ABBA or BAAB (at
random) on two fresh inputs: the first two calls on one, the last two on the other. For
``measure`` (one program), a round is one call of each copy. Every round visits the pairs
in a random order."""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass

from ..common.statistics import mean_cost_ratio
from ..sandbox.worker_client import CallReply
from .calls import CheckedCalls
from .session_records import Call, Plan, pair_totals
from .workers import Copy

WARMUP_MIN = 2  # untimed calls per copy, at least
WARMUP_PHASES = 8  # ... and up to WARMUP_MIN + 7: the pairs' counts cover 8 phases evenly
HARD_MIN_ROUNDS = 3  # rounds per copy before any stopping rule applies


def warmup_counts(pairs: int, rng: random.Random) -> list[int]:
    """Untimed rounds per pair: each run of ``WARMUP_PHASES`` pairs gets every count from
    ``WARMUP_MIN`` to ``WARMUP_MIN + WARMUP_PHASES - 1`` once, in a random order.

    A program with periodic work (every P-th call heavy) shows its heavy calls among a
    copy's few timed calls by the copy's phase, the number of calls before them. With
    every copy at one of a few phases, a compare of 6 timed calls a copy saw exactly one
    heavy call in each copy of an every-8th-call program, and scored it 0.287 [0.271,
    0.304] against its true 0.333. Phases spread evenly over 8 values make a copy's
    expected heavy share exactly 1/P for every P dividing 8, and close for the others."""
    counts: list[int] = []
    while len(counts) < pairs:
        block = list(range(WARMUP_MIN, WARMUP_MIN + WARMUP_PHASES))
        rng.shuffle(block)
        counts += block
    return counts[:pairs]


def warm_up(pairs: list[tuple[Copy, ...]], calls: CheckedCalls, rng: random.Random) -> None:
    """Per pair, :func:`warmup_counts` rounds of one call of each copy on a fresh input,
    in a random order: checked like every other call, not timed."""
    for pair, count in zip(pairs, warmup_counts(len(pairs), rng), strict=True):
        for _ in range(count):
            seed, data = calls.fresh_input()
            members = list(pair)
            rng.shuffle(members)
            calls.run([(copy, data) for copy in members], seed, data)


@dataclass
class Rounds:
    """What the timed rounds gave."""

    calls: list[Call]
    per_pair_log_ratios: list[list[float]]  # two programs: per pair, per round
    rounds: int  # per pair
    stopped_by: str  # "precision", "budget" or "max_rounds"
    seconds: float


def _record(program: int, pair: int, round_number: int, reply: CallReply) -> Call:
    return Call(
        program,
        pair,
        round_number,
        reply.wall_ns,
        reply.cost_ns,
        reply.cpu_ns,
        reply.observed_ns,
        reply.counters,
        reply.waited_ns,
    )


def _paired_round(
    pair: tuple[Copy, ...], j: int, round_number: int, calls: CheckedCalls, rng: random.Random
) -> tuple[list[Call], float | None]:
    """ABBA or BAAB on pair ``j``; its calls, and the log ratio of the programs' fastest
    calls (None when a call took no time)."""
    lead, follow = (0, 1) if rng.random() < 0.5 else (1, 0)
    times: list[list[int]] = [[], []]
    records: list[Call] = []
    for half in range(2):
        seed, data = calls.fresh_input()
        sequence = (lead, follow) if half == 0 else (follow, lead)
        replies = calls.run([(pair[p], data) for p in sequence], seed, data)
        for p, reply in zip(sequence, replies, strict=True):
            times[p].append(reply.cost_ns)
            records.append(_record(p, j, round_number, reply))
    low_a, low_b = min(times[0]), min(times[1])
    ratio = math.log(low_a / low_b) if low_a > 0 and low_b > 0 else None
    return records, ratio


def _single_round(
    pair: tuple[Copy, ...], j: int, round_number: int, calls: CheckedCalls
) -> list[Call]:
    seed, data = calls.fresh_input()
    (reply,) = calls.run([(pair[0], data)], seed, data)
    return [_record(0, j, round_number, reply)]


def _stop_reason(
    rounds: int,
    plan: Plan,
    two: bool,
    calls: list[Call],
    strata: list[int],
    deadline: float,
) -> str | None:
    """Why the rounds stop after ``rounds`` of them, or None: never before
    HARD_MIN_ROUNDS; for two programs with a precision to reach, once the score's
    interval is that narrow (after ``plan.min_rounds``); otherwise at the deadline."""
    if rounds < HARD_MIN_ROUNDS:
        return None
    if (
        two
        and plan.precision > 0
        and rounds >= plan.min_rounds
        and mean_cost_ratio(pair_totals(calls, len(strata)), strata).half_width <= plan.precision
    ):
        return "precision"
    if time.monotonic() >= deadline:
        return "budget"
    return None


def run_rounds(
    pairs: list[tuple[Copy, ...]],
    programs: int,
    calls: CheckedCalls,
    plan: Plan,
    strata: list[int],  # per pair, its alignment stratum
    rng: random.Random,
) -> Rounds:
    """Timed rounds until a stopping rule says so, or ``plan.max_rounds``."""
    records: list[Call] = []
    ratios: list[list[float]] = [[] for _ in pairs]
    started = time.monotonic()
    deadline = started + plan.budget
    rounds = 0
    stopped_by = "max_rounds"
    two = programs == 2
    while rounds < plan.max_rounds:
        order = list(range(len(pairs)))
        rng.shuffle(order)
        for j in order:
            if two:
                made, ratio = _paired_round(pairs[j], j, rounds, calls, rng)
                records.extend(made)
                if ratio is not None:
                    ratios[j].append(ratio)
            else:
                records.extend(_single_round(pairs[j], j, rounds, calls))
        rounds += 1
        reason = _stop_reason(rounds, plan, two, records, strata, deadline)
        if reason is not None:
            stopped_by = reason
            break
    return Rounds(records, ratios, rounds, stopped_by, time.monotonic() - started)
