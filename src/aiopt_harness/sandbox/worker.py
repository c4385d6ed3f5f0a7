"""The measuring process of one sandboxed run (forked by ``_supervisor``).

It limits itself, pins itself, loads the candidates and either records their outputs or
times them in interleaved rounds. Results go to ``result.json`` in the run directory;
candidate outputs to ``output-P-I.bin``. Anything the candidate does to the process
(signals, exit, exceptions) is left for the supervisor and the caller to classify.
"""

from __future__ import annotations

import json
import math
import os
import random
import resource
import signal
import time
from pathlib import Path
from typing import Any

import numpy  # noqa: F401  (imported before the address-space limit is set)

from .. import _core
from ..common.statistics import median_ratio, round_log_ratios

ROUND_PATTERNS_2 = ((0, 1, 1, 0), (1, 0, 0, 1))
HARD_MIN_ROUNDS = 6  # below this the sign test cannot give a 95% interval


class Stop(Exception):
    """Ends the run early with a status for the caller."""

    def __init__(self, status: str, message: str, program: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.program = program


def _address_space_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return 0


def _apply_limits(request: dict[str, Any]) -> dict[str, Any]:
    """rlimits for everything the candidate does from now on."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # CPython ignores SIGXFSZ: restore it, or a flood of output fails silently and spins.
    signal.signal(signal.SIGXFSZ, signal.SIG_DFL)
    output_bytes = int(request["output_limit_mb"]) << 20
    resource.setrlimit(resource.RLIMIT_FSIZE, (output_bytes, output_bytes))
    cpu_seconds = math.ceil(float(request["cpu_limit_s"]))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 5))
    # The address-space limit is on top of what the harness itself already maps.
    harness_bytes = _address_space_bytes()
    memory_bytes = harness_bytes + (int(request["memory_limit_mb"]) << 20)
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    return {"address_space_bytes": memory_bytes, "harness_bytes": harness_bytes}


def _thread_snapshot() -> dict[str, int | None]:
    """Context switches (getrusage) and scheduler times (schedstat) of this thread."""
    usage = resource.getrusage(resource.RUSAGE_THREAD)
    snapshot: dict[str, int | None] = {
        "voluntary_switches": usage.ru_nvcsw,
        "involuntary_switches": usage.ru_nivcsw,
        "run_ns": None,
        "runqueue_wait_ns": None,
        "timeslices": None,
    }
    try:
        fields = Path("/proc/thread-self/schedstat").read_text().split()
        snapshot.update(
            run_ns=int(fields[0]), runqueue_wait_ns=int(fields[1]), timeslices=int(fields[2])
        )
    except (OSError, ValueError, IndexError):
        pass  # kernels without CONFIG_SCHEDSTATS: left as None (unavailable)
    return snapshot


def _thread_delta(
    before: dict[str, int | None], after: dict[str, int | None]
) -> dict[str, int | None]:
    delta: dict[str, int | None] = {}
    for key, start in before.items():
        end = after[key]
        delta[key] = None if start is None or end is None else end - start
    return delta


class Guard:
    """Checks after every batch of candidate calls that the candidate did not fork."""

    def __init__(self) -> None:
        self.pid = os.getpid()

    def leave_if_forked_copy(self) -> None:
        if os.getpid() != self.pid:
            # A copy made by fork() inside the candidate: it must not report anything.
            os._exit(0)

    def check(self) -> None:
        self.leave_if_forked_copy()
        try:
            os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        raise Stop("crash", "the candidate started a child process (fork); candidates must not")


def _candidate_call(program: int | None, guard: Guard, call: Any, *args: Any) -> Any:
    try:
        value = call(*args)
    except _core.CandidateOutOfMemory as error:
        raise Stop("resource_limit", f"{error} (memory limit reached)", program) from error
    except _core.CandidateError as error:
        raise Stop("crash", str(error), program) from error
    guard.check()
    return value


def _load(paths: list[str]) -> list[Any]:
    programs = []
    for index, path in enumerate(paths):
        try:
            programs.append(_core.Program(path))
        except _core.AbiError as error:
            raise Stop("abi_error", f"missing ABI symbol {error.symbol}", index) from error
        except _core.LoadError as error:
            raise Stop("abi_error", f"dlopen failed: {error}", index) from error
    return programs


def _record_outputs(request: dict[str, Any], run_dir: Path, guard: Guard) -> dict[str, Any]:
    programs = _load(request["programs"])
    inputs = [Path(path).read_bytes() for path in request["inputs"]]
    not_repeatable: list[list[int]] = []
    for p, program in enumerate(programs):
        for i, data in enumerate(inputs):
            state = _candidate_call(p, guard, _core.State, program, data)
            _candidate_call(p, guard, state.run)
            first = _candidate_call(p, guard, state.output)
            _candidate_call(p, guard, state.run)
            second = _candidate_call(p, guard, state.output)
            _candidate_call(p, guard, state.close)
            (run_dir / f"output-{p}-{i}.bin").write_bytes(first)
            if first != second:
                not_repeatable.append([p, i])
    return {"status": "ok", "not_repeatable": not_repeatable}


def _round_order(
    variants: int, copies: int, rounds: int, rng: random.Random
) -> tuple[list[int], list[int], list[int]]:
    """Calls of ``rounds`` rounds: (state index, variant, round offset) per call. Each
    round uses one randomly chosen copy per variant and an ABBA or BAAB order."""
    order: list[int] = []
    variant_of: list[int] = []
    offsets: list[int] = []
    for r in range(rounds):
        pattern = rng.choice(ROUND_PATTERNS_2) if variants == 2 else (0,)
        chosen = [v * copies + rng.randrange(copies) for v in range(variants)]
        order.extend(chosen[v] for v in pattern)
        variant_of.extend(pattern)
        offsets.extend([r] * len(pattern))
    return order, variant_of, offsets


def _time(request: dict[str, Any], guard: Guard) -> dict[str, Any]:
    copies = int(request.get("copies", 1))
    programs = _load(request["programs"])  # variant-major: copies of variant 0, then 1
    variants = len(programs) // copies
    data = Path(request["inputs"][0]).read_bytes()
    states = [
        _candidate_call(p // copies, guard, _core.State, prog, data)
        for p, prog in enumerate(programs)
    ]

    counters = None
    counter_status: list[dict[str, Any]] = []
    if request["counters"]:
        groups = request.get("event_groups") or _core.default_event_groups()
        counters = _core.Counters(groups, request.get("inject_errno") or {})
        counter_status = counters.statuses()

    rng = random.Random(request["seed"])
    warmup_order = [s for _ in range(int(request["warmup"])) for s in range(len(states))]
    started = time.monotonic()
    either = 0 if variants == 1 else None  # interleaved calls: either program may fail
    if warmup_order:
        _candidate_call(either, guard, _core.time_calls, states, warmup_order, counters)
    warmup_seconds = time.monotonic() - started
    per_call = warmup_seconds / max(len(warmup_order), 1)
    per_round = max(per_call * (4 if variants == 2 else 1), 1e-6)
    rounds_per_batch = max(1, min(20, int(0.05 / per_round)))

    budget = float(request["budget"])
    min_rounds = max(int(request["min_rounds"]), HARD_MIN_ROUNDS)
    max_rounds = int(request["max_rounds"])
    precision = float(request["precision"])
    calls: dict[str, list[Any]] = {"variant": [], "round": [], "wall_ns": [], "cpu_ns": []}
    counter_rows: list[list[float | None]] = []
    done_rounds = 0
    deadline = time.monotonic() + budget
    stopped_by = "max_rounds"
    thread_before = _thread_snapshot()
    while done_rounds < max_rounds:
        batch = min(rounds_per_batch, max_rounds - done_rounds)
        order, variant_of, offsets = _round_order(variants, copies, batch, rng)
        timed = _candidate_call(either, guard, _core.time_calls, states, order, counters)
        calls["variant"].extend(variant_of)
        calls["round"].extend(done_rounds + offset for offset in offsets)
        calls["wall_ns"].extend(timed["wall_ns"].tolist())
        calls["cpu_ns"].extend(timed["cpu_ns"].tolist())
        counter_rows.extend(
            [None if math.isnan(value) else value for value in row]
            for row in timed["counters"].tolist()
        )
        done_rounds += batch
        if done_rounds < HARD_MIN_ROUNDS:
            continue
        if variants == 2 and done_rounds >= min_rounds:
            ratios = round_log_ratios(calls["variant"], calls["round"], calls["wall_ns"])
            if median_ratio(ratios).half_width <= precision:
                stopped_by = "precision"
                break
        # The budget ends the run once the sign test has its minimum; min_rounds only
        # keeps a lucky narrow interval from stopping it early.
        if time.monotonic() >= deadline:
            stopped_by = "budget"
            break
    thread_after = _thread_snapshot()
    for p, state in enumerate(states):
        _candidate_call(p // copies, guard, state.close)
    return {
        "thread": _thread_delta(thread_before, thread_after),
        "status": "ok",
        "calls": calls,
        "counter_names": counters.names() if counters is not None else [],
        "counter_values": counter_rows,
        "counter_status": counter_status,
        "rounds": done_rounds,
        "stopped_by": stopped_by,
        "timing_seconds": time.monotonic() - started,
    }


def run_worker(run_dir: Path) -> int:
    request = json.loads((run_dir / "request.json").read_text())
    note_error = _core.install_crash_note(str(run_dir / "crash_note.txt"))
    result: dict[str, Any] = {"crash_note_error": note_error}
    cpu = request.get("cpu")
    if cpu is not None:
        result["pin_error"] = _core.pin_current_thread(int(cpu))
    result["limits"] = _apply_limits(request)
    guard = Guard()
    try:
        if request["mode"] == "outputs":
            result.update(_record_outputs(request, run_dir, guard))
        elif request["mode"] == "time":
            result.update(_time(request, guard))
        else:
            raise ValueError(f"unknown mode {request['mode']!r}")
    except Stop as stop:
        result.update({"status": stop.status, "message": stop.message, "program": stop.program})
    result["cpu_at_end"] = _core.current_cpu()
    guard.leave_if_forked_copy()
    temporary = run_dir / "result.json.tmp"
    temporary.write_text(json.dumps(result))
    os.replace(temporary, run_dir / "result.json")
    return 0
