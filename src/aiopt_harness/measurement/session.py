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
   same input (its output in the same round, or a reference worker's); the worker must
   be single-threaded and childless, must not have used more CPU than the call's round
   trip allows, and its reported time must fit inside the harness's own clock;
4. a result counts only from workers that exit cleanly when told to (``aiopt_fini``).
"""

from __future__ import annotations

import math
import os
import random
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..build.compiler import LAYOUT_PAD_STEP, LAYOUT_PAD_STEPS, LinkError, layout_copy
from ..common.procfs import CpuTicks, busy_fractions, cpu_ticks, read_schedstat
from ..common.statistics import RatioEstimate, mean_cost_ratio, stratified_copy_ratio
from ..sandbox.containment import Containment
from ..sandbox.cpu_lease import cpu_lease
from ..sandbox.verdict import Failure, Status
from ..sandbox.worker_client import CallReply, Limits, SandboxSettings, Worker, WorkerFailed
from ..tasks.generator import fresh_seed
from ..tasks.metric import OutputFormatError, metric_value
from ..tasks.output_check import describe_difference
from ..tasks.task import Task

# Layout copies linked at once before a session (g++ -shared is mostly process start)
LINK_WORKERS = max(1, min(4, len(os.sched_getaffinity(0))))
WARMUP_RANGE = (2, 5)  # untimed calls per copy, inclusive, chosen at random
HARD_MIN_ROUNDS = 3  # rounds per copy before any stopping rule applies
# CPU a candidate's process may spend beyond its calls' wall time, over the trusted
# program's own excess (input and output transfer between calls; see _Session.close):
EXCESS_CPU_SLACK_NS = 5_000_000
EXCESS_PER_CALL_FACTOR = 1.25  # of the trusted copies' upper per-call excess
EXCESS_SPREAD_FACTOR = 4.0  # standard deviations of the trusted copies' per-call excess
EXCESS_CPU_FRACTION = 0.10  # of its own calls' wall time
CPU_SLACK_NS = 25_000_000  # /proc CPU times tick at 10 ms: two ticks and some


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
    wall_ns: int
    cpu_ns: int
    observed_ns: int
    counters: tuple[float, ...]


# Code alignments that matter: the pad's 16-byte steps within a 64-byte cache line. Copies
# are spread evenly over them (``_Session.start``); see statistics.stratified_copy_ratio.
ALIGNMENT_STRATA = 4


def alignment_stratum(pad: int) -> int:
    return (pad // LAYOUT_PAD_STEP) % ALIGNMENT_STRATA


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

    def strata(self) -> list[int]:
        """Each copy pair's code-alignment stratum (its pad's 16-byte step mod 64)."""
        return [alignment_stratum(pad) for pad in self.layout_pads[0]]

    def pair_totals(self) -> list[tuple[float, float]]:
        """Per copy pair, the total wall time of the baseline's and the candidate's timed
        calls (the same number of each: a round calls both twice)."""
        return pair_totals(self.calls, len(self.layout_pads[0]))

    def estimate(self) -> RatioEstimate:
        """The score: the speedup in mean cost per call (statistics.mean_cost_ratio)."""
        return mean_cost_ratio(self.pair_totals(), self.strata())

    def best_case(self) -> RatioEstimate:
        """The best-case figure (fastest calls per round): a second number only."""
        return stratified_copy_ratio(self.per_copy_log_ratios, self.strata())


def pair_totals(calls: list[Call], pairs: int) -> list[tuple[float, float]]:
    totals = [[0.0, 0.0] for _ in range(pairs)]
    for call in calls:
        totals[call.copy][call.program] += call.wall_ns
    return [(a, b) for a, b in totals]


@dataclass(frozen=True)
class SessionFailure:
    failure: Failure
    program: int | None  # index into the session's programs; None: not attributable


class _Abort(Exception):
    def __init__(self, status: Status, message: str, program: int | None) -> None:
        super().__init__(message)
        self.failure = Failure(status, message)
        self.program = program


@dataclass
class _Copy:
    program: int
    index: int
    worker: Worker
    pad: int
    cpu_after_last_ns: int = 0
    calls: int = 0
    wall_ns: int = 0  # reported wall time of all its calls
    # sum over its calls of min(reported thread CPU, reported wall): the CPU it spent in
    # calls; read only for the trusted program (whose reports are honest)
    cpu_in_calls_ns: int = 0
    cpu_after_init_ns: int = 0  # its thread's run time when aiopt_init had returned


def _schedstat(pid: int) -> dict[str, int | None]:
    """Run time, run-queue wait, timeslices and context switches of a worker's thread."""
    figures: dict[str, int | None] = {
        "run_ns": None,
        "runqueue_wait_ns": None,
        "timeslices": None,
        "voluntary_switches": None,
        "involuntary_switches": None,
    }
    sched = read_schedstat(Path(f"/proc/{pid}/schedstat"))
    if sched is not None:  # else: a kernel without CONFIG_SCHEDSTATS, unavailable
        figures.update(
            run_ns=sched.run_ns, runqueue_wait_ns=sched.wait_ns, timeslices=sched.timeslices
        )
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key == "voluntary_ctxt_switches":
                figures["voluntary_switches"] = int(value)
            elif key == "nonvoluntary_ctxt_switches":
                figures["involuntary_switches"] = int(value)
    except (OSError, ValueError):
        pass
    return figures


def excess_per_call_allowance(trusted: list[float]) -> float:
    """The CPU per call a candidate's process may spend outside its calls, from what the
    trusted program's copies spent (``trusted``: ns per call, one value per copy): the
    largest of them or their mean plus EXCESS_SPREAD_FACTOR standard deviations,
    whichever is larger, times EXCESS_PER_CALL_FACTOR. An honest candidate moves the same
    inputs and outputs, so its excess is drawn from the same spread; a fixed factor of
    the trusted median (the rule before) rejected honest programs whose copies happened
    to spread wider (particles A/A: 168 ms against 159 ms)."""
    upper = max(trusted)
    if len(trusted) >= 2:
        spread = statistics.stdev(trusted)
        upper = max(upper, statistics.fmean(trusted) + EXCESS_SPREAD_FACTOR * spread)
    return EXCESS_PER_CALL_FACTOR * max(upper, 0.0)


class _Session:
    def __init__(
        self,
        programs: list[Program],
        task: Task,
        reference: Path,  # the initial program's object file: the oracle, when needed
        cpu: int,
        limits: Limits,
        plan: Plan,
        scratch: Path,
        rng: random.Random,
    ) -> None:
        self.programs = programs
        self.task = task
        self.reference = reference
        self.cpu = cpu
        self.limits = limits
        self.plan = plan
        self.scratch = scratch
        self.rng = rng
        self._strata_order: list[int] = []
        self.generator = task.generator()
        self.params = self.generator.params()
        self.copies: list[list[_Copy]] = []
        self.oracle: _Copy | None = None
        self.seen_seeds: set[int] = set()
        self.checked = 0
        self.metrics: list[list[float]] = [[] for _ in programs]
        self.expected_outputs: set[bytes] = set()
        self.cache_repairs: list[str] = []  # tampered cache entries rebuilt on the way
        self.reference_index = next((i for i, p in enumerate(programs) if p.reference), None)

    # --- workers ------------------------------------------------------------------------

    def _link(self, object_file: Path, pad: int) -> Path:
        try:
            return layout_copy(object_file, pad, self.cache_repairs)
        except LinkError as error:
            raise _Abort(Status.HARNESS_ERROR, str(error), None) from error

    def _start(
        self, program: int, index: int, object_file: Path, pad: int, layout_seed: int
    ) -> _Copy:
        shared_object = self._link(object_file, pad)
        worker = Worker(
            shared_object,
            cpu=self.cpu,
            out_cap=self.task.output_capacity,
            directory=self.scratch / f"p{program}-c{index}",
            limits=self.limits,
            counters=self.plan.counters,
            layout_seed=layout_seed,
            inject_counter_errno=self.plan.inject_counter_errno,
            sandbox=self.plan.sandbox,
        )
        copy = _Copy(program, index, worker, pad)
        try:
            self._guard(copy, lambda: worker.init(self.params, self.plan.timeout))
        except _Abort:
            worker.kill()  # not yet recorded: nothing else would end it
            raise
        copy.cpu_after_init_ns = _schedstat(worker.pid)["run_ns"] or 0
        return copy

    def start(self) -> None:
        """Links every copy's layout (in parallel: nothing is timed yet, and the CPU lease
        is held), then starts the workers one by one.

        Copy k of every program gets the same layout draw (code pad and data layout seed):
        common random numbers. A pair then compares the programs in one layout, so the
        layout's own effect (tens of percent on some kernels: bench/comparisons) cancels
        within the pair instead of adding to its noise, while the pairs still cover as
        many random layouts as before; the mean over pairs estimates the same thing."""
        draws = [
            (self._stratified_pad(k), self.rng.getrandbits(24)) for k in range(self.plan.copies)
        ]
        pads = [[pad for pad, _ in draws] for _ in self.programs]
        oracle_pad = self._pad()
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
        # start still kills it (session.kill sees every recorded copy).
        self.copies = [[] for _ in self.programs]
        for k, (pad, seed) in enumerate(draws):
            order = list(range(len(self.programs)))
            self.rng.shuffle(order)
            for p in order:
                self.copies[p].append(self._start(p, k, self.programs[p].object_file, pad, seed))
        if self.reference_index is None:
            self.oracle = self._start(-1, 0, self.reference, oracle_pad, self.rng.getrandbits(24))

    def _pad(self) -> int:
        return self.rng.randrange(LAYOUT_PAD_STEPS) * LAYOUT_PAD_STEP

    def _stratified_pad(self, copy: int) -> int:
        """A random pad whose alignment stratum is ``copy``'s turn in a random order of
        the strata: any number of copies covers the strata as evenly as it can."""
        if copy % ALIGNMENT_STRATA == 0:
            self._strata_order = self.rng.sample(range(ALIGNMENT_STRATA), ALIGNMENT_STRATA)
        stratum = self._strata_order[copy % ALIGNMENT_STRATA]
        step = self.rng.randrange(LAYOUT_PAD_STEPS // ALIGNMENT_STRATA) * ALIGNMENT_STRATA
        return (step + stratum) * LAYOUT_PAD_STEP

    def containment(self) -> Containment:
        """Every worker's sandbox report, the weakest state of each layer."""
        combined = Containment()
        for copy in [*(c for copies in self.copies for c in copies), *filter(None, [self.oracle])]:
            combined = combined.combined(copy.worker.containment)
        return combined

    def _guard(self, copy: _Copy, action: Any) -> Any:
        try:
            return action()
        except WorkerFailed as error:
            program = None if copy.program < 0 else copy.program
            if copy.program < 0:
                raise _Abort(
                    Status.HARNESS_ERROR,
                    f"the task's initial program failed as the reference: {error.failure.message}",
                    None,
                ) from error
            raise _Abort(error.failure.status, error.failure.message, program) from error

    def close(self) -> None:
        """Asks every worker to finish; a result counts only if all exit cleanly.

        Then the kernel's accounting: the CPU time of each process just before it is told
        to quit (``Worker.cpu_ns``) minus its CPU when aiopt_init had returned, minus the
        wall time of its calls, is what it spent outside its calls (reading inputs,
        writing outputs). One pinned CPU cannot spend more CPU than wall time inside a
        call, so a candidate's excess beyond what the trusted program needs means it ran
        on more than one CPU (a thread moved off the pinned CPU, or a child process it
        waited for), did work after returning, or reported its calls shorter than they
        were (a patched clock). The allowance is :func:`excess_allowance`."""
        spent: list[tuple[_Copy, int]] = []
        trusted: list[float] = []  # per call, each trusted copy's CPU outside its calls
        for copy in self._all():
            cpu_ns = self._guard(copy, lambda c=copy: c.worker.cpu_ns())
            self._guard(copy, lambda c=copy: c.worker.quit(self.plan.timeout))
            spent.append((copy, cpu_ns - copy.cpu_after_init_ns - copy.wall_ns))
            if self._trusted(copy) and copy.calls > 0:
                # its in-call CPU, not its in-call wall: a trusted call preempted on a
                # loaded machine takes more wall than CPU, which made the trusted excess
                # (and the allowance) too small: false clock_mismatch verdicts
                outside = cpu_ns - copy.cpu_after_init_ns - copy.cpu_in_calls_ns
                trusted.append(max(outside, 0) / copy.calls)
        if not trusted:
            return
        per_call = excess_per_call_allowance(trusted)
        for copy, excess in spent:
            if self._trusted(copy):
                continue
            allowed = (
                EXCESS_CPU_SLACK_NS + per_call * copy.calls + EXCESS_CPU_FRACTION * copy.wall_ns
            )
            if excess > allowed:
                raise _Abort(
                    Status.CLOCK_MISMATCH,
                    f"the kernel accounts {(excess + copy.wall_ns) / 1e6:.1f} ms of CPU time "
                    f"after aiopt_init to the process and the children it waited for: "
                    f"{copy.wall_ns / 1e6:.1f} ms in {copy.calls} calls as it reported them, "
                    f"and {excess / 1e6:.1f} ms more, against an allowance of "
                    f"{allowed / 1e6:.1f} ms ({per_call / 1e6:.3f} ms per call from the "
                    f"task's initial program's {len(trusted)} copies, which spent "
                    f"{min(trusted) / 1e6:.3f}-{max(trusted) / 1e6:.3f} ms per call outside "
                    "their calls): its calls took longer than it reported, it worked after "
                    "returning, or it ran on more than the one CPU it is pinned to (a thread "
                    "moved off it, or child processes)",
                    copy.program,
                )

    def _trusted(self, copy: _Copy) -> bool:
        return copy.program < 0 or self.programs[copy.program].reference

    def kill(self) -> int:
        return sum(copy.worker.kill() for copy in self._all())

    def _all(self) -> list[_Copy]:
        everyone = [c for copies in self.copies for c in copies]
        return [*everyone, self.oracle] if self.oracle is not None else everyone

    # --- one call -----------------------------------------------------------------------

    def fresh_input(self) -> tuple[int, bytes]:
        seed = fresh_seed()
        while seed in self.seen_seeds:
            seed = fresh_seed()
        self.seen_seeds.add(seed)
        return seed, self.generator.generate(seed)

    def call(self, copy: _Copy, data: bytes) -> CallReply:
        reply: CallReply = self._guard(copy, lambda: copy.worker.run(data, self.plan.timeout))
        program = None if copy.program < 0 else copy.program
        stats = self._guard(copy, copy.worker.stats)
        copy.calls += 1
        if stats.children:
            raise _Abort(
                Status.CHILD_PROCESS,
                f"call {copy.calls}: the candidate's process has child process(es) "
                f"{', '.join(map(str, stats.children))}; candidates must not start processes",
                program,
            )
        if stats.threads != 1:
            raise _Abort(
                Status.THREAD_LEFT_RUNNING,
                f"call {copy.calls}: {stats.threads - 1} thread(s) still alive after "
                "aiopt_run returned; work must be finished (threads joined) inside the call",
                program,
            )
        used = stats.cpu_ns - copy.cpu_after_last_ns
        if copy.calls > 1 and used > reply.observed_ns + CPU_SLACK_NS:
            raise _Abort(
                Status.THREAD_LEFT_RUNNING,
                f"call {copy.calls}: the process used {used / 1e6:.1f} ms of CPU time across a "
                f"call of {reply.observed_ns / 1e6:.1f} ms: it ran between calls",
                program,
            )
        copy.cpu_after_last_ns = stats.cpu_ns
        copy.wall_ns += reply.wall_ns
        copy.cpu_in_calls_ns += min(reply.cpu_ns, reply.wall_ns)
        if reply.wall_ns > reply.observed_ns or reply.cpu_ns > reply.observed_ns + CPU_SLACK_NS:
            raise _Abort(
                Status.CLOCK_MISMATCH,
                f"call {copy.calls}: the worker reported {reply.wall_ns} ns wall and "
                f"{reply.cpu_ns} ns CPU for a call the harness's clock saw take "
                f"{reply.observed_ns} ns",
                program,
            )
        return reply

    def expected_from_oracle(self, data: bytes) -> bytes:
        assert self.oracle is not None
        return self.call(self.oracle, data).output

    def check(self, program: int, seed: int, expected: bytes, output: bytes) -> None:
        if not self.programs[program].reference:
            difference = describe_difference(expected, output, self.task.check)
            if difference is not None:
                raise _Abort(Status.WRONG_OUTPUT, f"input of seed {seed:#x}: {difference}", program)
        self.checked += 1
        metric = self.task.objective.metric
        if metric is not None:
            try:
                self.metrics[program].append(metric_value(output, metric))
            except OutputFormatError as error:
                raise _Abort(
                    Status.WRONG_OUTPUT, f"input of seed {seed:#x}: {error}", program
                ) from error

    def checked_calls(
        self, calls: list[tuple[_Copy, bytes]], seed: int, data: bytes
    ) -> list[CallReply]:
        """Runs ``calls`` (copy, input) in order, then checks every output of ``data``."""
        replies = [self.call(copy, payload) for copy, payload in calls]
        expected: bytes | None = None
        for (copy, _), reply in zip(calls, replies, strict=True):
            if self.programs[copy.program].reference:
                expected = reply.output
        if expected is None:
            expected = self.expected_from_oracle(data)
        if len(self.expected_outputs) < 2:
            self.expected_outputs.add(expected)
        for (copy, _), reply in zip(calls, replies, strict=True):
            self.check(copy.program, seed, expected, reply.output)
        return replies

    def seed_check(self) -> None:
        """A task whose initial program gives one output for every input lets a candidate
        hard-code it: such a task is rejected."""
        if self.checked >= 3 and len(self.expected_outputs) < 2:
            raise _Abort(
                Status.HARNESS_ERROR,
                f"task {self.task.name}: the initial program's output does not change with "
                "the seed; the task is unfit for timing (a constant answer would pass)",
                None,
            )


def machine_load(
    before: dict[int, CpuTicks], after: dict[int, CpuTicks], measuring_cpu: int
) -> dict[str, float | None]:
    """The busy share of the measuring CPU and the mean busy share of the other CPUs
    between two /proc/stat reads: whether the machine was quiet or loaded (a busy
    sibling CPU changes how code runs on some hosts)."""
    shares = busy_fractions(before, after)
    others = [share for cpu, share in shares.items() if cpu != measuring_cpu]
    return {
        "measuring_cpu_busy": shares.get(measuring_cpu),
        "other_cpus_busy": sum(others) / len(others) if others else None,
    }


def _offcpu_delta(
    before: dict[str, int | None], after: dict[str, int | None]
) -> dict[str, int | None]:
    return {
        key: None if before[key] is None or after[key] is None else after[key] - before[key]  # type: ignore[operator]
        for key in before
    }


def _sum_figures(figures: list[dict[str, int | None]]) -> dict[str, int | None]:
    total: dict[str, int | None] = {}
    for key in figures[0]:
        values = [f[key] for f in figures]
        total[key] = None if any(v is None for v in values) else sum(v for v in values if v)
    return total


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
    session = _Session(programs, task, reference, cpu, limits, plan, scratch, rng)
    with cpu_lease(cpu):
        try:
            return _run(session, rng)
        except _Abort as abort:
            return SessionFailure(abort.failure, abort.program)
        finally:
            session.kill()


def _run(session: _Session, rng: random.Random) -> SessionResult:
    plan = session.plan
    session.start()
    counter_status: list[dict[str, Any]] = []
    if plan.counters != "none":
        first = session.copies[0][0]
        status = session._guard(first, lambda: first.worker.status(plan.timeout))
        counter_status = list(status.get("counters", []))
        if status.get("pin_error"):
            raise _Abort(Status.HARNESS_ERROR, f"pinning failed: {status['pin_error']}", None)
    pairs = list(zip(*session.copies, strict=True))  # per copy index, one copy per program
    for pair in pairs:  # warmup rounds: the timed rounds' calls, discarded
        for _ in range(rng.randint(*WARMUP_RANGE)):
            seed, data = session.fresh_input()
            members = list(pair)
            rng.shuffle(members)
            session.checked_calls([(copy, data) for copy in members], seed, data)
    before = [[_schedstat(c.worker.pid) for c in copies] for copies in session.copies]
    calls: list[Call] = []
    ratios: list[list[float]] = [[] for _ in pairs]
    strata = [alignment_stratum(copy.pad) for copy in session.copies[0]]
    ticks_before = cpu_ticks()
    started = time.monotonic()
    deadline = started + plan.budget
    rounds = 0
    stopped_by = "max_rounds"
    two = len(session.programs) == 2
    while rounds < plan.max_rounds:
        order = list(range(len(pairs)))
        rng.shuffle(order)
        for j in order:
            pair = pairs[j]
            if two:
                lead, follow = (0, 1) if rng.random() < 0.5 else (1, 0)
                times: list[list[int]] = [[], []]
                for half in range(2):
                    seed, data = session.fresh_input()
                    sequence = (lead, follow) if half == 0 else (follow, lead)
                    replies = session.checked_calls([(pair[p], data) for p in sequence], seed, data)
                    for p, reply in zip(sequence, replies, strict=True):
                        times[p].append(reply.wall_ns)
                        calls.append(
                            Call(
                                p,
                                j,
                                rounds,
                                reply.wall_ns,
                                reply.cpu_ns,
                                reply.observed_ns,
                                reply.counters,
                            )
                        )
                low_a, low_b = min(times[0]), min(times[1])
                if low_a > 0 and low_b > 0:
                    ratios[j].append(math.log(low_a / low_b))
            else:
                seed, data = session.fresh_input()
                (reply,) = session.checked_calls([(pair[0], data)], seed, data)
                calls.append(
                    Call(
                        0, j, rounds, reply.wall_ns, reply.cpu_ns, reply.observed_ns, reply.counters
                    )
                )
        rounds += 1
        if rounds < HARD_MIN_ROUNDS:
            continue
        if (
            two
            and plan.precision > 0
            and rounds >= plan.min_rounds
            and mean_cost_ratio(pair_totals(calls, len(pairs)), strata).half_width <= plan.precision
        ):
            stopped_by = "precision"
            break
        if time.monotonic() >= deadline:
            stopped_by = "budget"
            break
    seconds = time.monotonic() - started
    load = machine_load(ticks_before, cpu_ticks(), session.cpu)
    after = [[_schedstat(c.worker.pid) for c in copies] for copies in session.copies]
    session.seed_check()
    session.close()
    offcpu = []
    for p in range(len(session.programs)):
        deltas = [_offcpu_delta(b, a) for b, a in zip(before[p], after[p], strict=True)]
        figures = _sum_figures(deltas)
        mine = [c for c in calls if c.program == p]
        voluntary = figures["voluntary_switches"]
        if voluntary is not None:
            # each request is awaited in a blocking read: one switch per call is the
            # worker's, not the candidate's
            figures["voluntary_switches"] = max(0, voluntary - len(mine))
        figures.update(
            calls=len(mine),
            wall_ns=sum(c.wall_ns for c in mine),
            cpu_ns=sum(c.cpu_ns for c in mine),
        )
        offcpu.append(figures)
    return SessionResult(
        calls=calls,
        counter_status=counter_status,
        rounds=rounds,
        stopped_by=stopped_by,
        seconds=seconds,
        per_copy_log_ratios=ratios,
        metrics=session.metrics,
        offcpu=offcpu,
        layout_pads=[[c.pad for c in copies] for copies in session.copies],
        checked_calls=session.checked,
        distinct_inputs=len(session.seen_seeds),
        containment=session.containment(),
        cache_repairs=session.cache_repairs,
        machine_load=load,
    )
