"""The simulated section: valgrind cachegrind on the driver, costs per line of candidate.cpp.

Only ``aiopt_run`` calls are counted: cachegrind runs the driver twice, with the same
warmup call and then 0 or ``RUNS`` more calls. The simulation is deterministic and the
first run's execution is a prefix of the second's, so the difference, divided by
``RUNS``, is the cost of one (warm) ``aiopt_run`` call, without ``aiopt_init``.

Lines are ranked by kcachegrind's cycle estimate ``Ir + 10 * (L1 misses) + 100 * (LL
misses) + 10 * (branch mispredicts)``. Code of std:: headers inlined into the candidate
is charged to the candidate line that inlined it whenever the debug info names exactly
one such line for the (header line, function) pair; the rest of the cost outside
candidate.cpp (out-of-line template instances, libc, the driver) is reported as shares.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections import Counter, defaultdict
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..common.paths import cache_dir
from ..sandbox.tool_jail import ToolJail
from .attribution import attribute as attribute_sample
from .attribution import called_frames
from .context import ProfileContext
from .driver import driver_command, run_jailed, run_tool, tool_jail
from .errors import ProfilerOutputError, ToolFailedError
from .recording import Recording
from .section import LineHotspot, ProfileSection, unavailable
from .shared import CANDIDATE_FILE, candidate_line, resolve_lines, short_symbol, tail

GEOMETRY = ("--I1=32768,8,64", "--D1=32768,8,64", "--LL=8388608,16,64")
RUNS = 1  # aiopt_run calls measured (fixed, so that two profiles are identical)
WARMUP = 1  # an untimed call before, in both runs: the counted calls find warm caches
# A cachegrind run's cost, estimated before it starts: valgrind's start plus the calls,
# each slower than natively by a factor learned per task from the last run (150x for
# matmul's arithmetic to 900x for cache_policy's pointer chasing, measured here).
VALGRIND_START_SECONDS = 0.6
# cachegrind may take this x the profile's budget (at least MIN_LIMIT_SECONDS), then is
# skipped: its two runs are fixed work, unlike the other profilers' timed sampling.
OVER_BUDGET_FACTOR = 2.5
MIN_LIMIT_SECONDS = 3.0
# After this many skips in a row the task's estimate is tested again by one run (bounded
# by the limit): one slow candidate, or a loaded machine, must not switch cachegrind off
# for the task for good.
RELEARN_AFTER_SKIPS = 10
TOP_HOTSPOTS = 10
TOP_OUTSIDE = 5
EVENTS = (
    "Ir",
    "I1mr",
    "ILmr",
    "Dr",
    "D1mr",
    "DLmr",
    "Dw",
    "D1mw",
    "DLmw",
    "Bc",
    "Bcm",
    "Bi",
    "Bim",
)
LABEL = (
    "simulated by valgrind cachegrind: I1/D1 32 KiB 8-way, LL 8 MiB 16-way, 64 B lines; "
    "counts per aiopt_run call; ranked by the cycle estimate "
    "Ir + 10*L1 misses + 100*LL misses + 10*mispredicts"
)

CostKey = tuple[str, str, int]  # (source file, function, line)
Costs = dict[CostKey, tuple[int, ...]]


@dataclass(frozen=True)
class CachegrindProfile:
    """A cachegrind.out file: event names, costs per (file, function, line), the summary."""

    events: tuple[str, ...]
    costs: Costs
    summary: tuple[int, ...]


def _numbers(fields: list[str], width: int, number: int) -> tuple[int, ...]:
    if len(fields) > width or not all(field.isdigit() for field in fields):
        raise ProfilerOutputError(f"cachegrind line {number}: bad counts {' '.join(fields)!r}")
    return tuple(int(field) for field in fields) + (0,) * (width - len(fields))


def _add(costs: Costs, key: CostKey, values: tuple[int, ...]) -> None:
    old = costs.get(key)
    costs[key] = values if old is None else tuple(a + b for a, b in zip(old, values, strict=True))


def parse_cachegrind(text: str) -> CachegrindProfile:
    """Reads a cachegrind.out file. Raises ProfilerOutputError if it is malformed, lacks its
    final ``summary:`` line (truncated) or the summary differs from the sum of the lines."""
    events: tuple[str, ...] = ()
    where: tuple[str, str] | None = None
    file = ""
    costs: Costs = {}
    summary: tuple[int, ...] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if summary is not None and line.strip():
            raise ProfilerOutputError(f"cachegrind line {number}: text after the summary")
        if line.startswith(("desc:", "cmd:")) or not line.strip():
            continue
        if line.startswith("events:"):
            events = tuple(line.split()[1:])
        elif line.startswith("fl="):
            file, where = line[3:], None
        elif line.startswith("fn="):
            if not file:
                raise ProfilerOutputError(f"cachegrind line {number}: fn= before any fl=")
            where = (file, line[3:])
        elif line.startswith("summary:"):
            summary = _numbers(line.split()[1:], len(events), number)
        elif not events or where is None:
            raise ProfilerOutputError(f"cachegrind line {number}: counts before events/fl/fn")
        else:
            fields = line.split()
            if not fields[0].isdigit():
                raise ProfilerOutputError(f"cachegrind line {number}: unexpected {line!r}")
            counts = _numbers(fields[1:], len(events), number)
            _add(costs, (where[0], where[1], int(fields[0])), counts)
    if not events or summary is None:
        raise ProfilerOutputError("cachegrind output has no events or no summary (truncated)")
    totals = tuple(sum(column) for column in zip(*costs.values(), strict=True)) or summary
    if totals != summary:
        raise ProfilerOutputError("cachegrind summary differs from the sum of its lines")
    return CachegrindProfile(events, costs, summary)


def subtract(after: CachegrindProfile, before: CachegrindProfile) -> Costs:
    """Costs of ``after`` minus ``before`` per (file, function, line); zero rows dropped."""
    if after.events != before.events:
        raise ProfilerOutputError("the two cachegrind profiles count different events")
    zero = (0,) * len(after.events)
    difference: Costs = {}
    for key in after.costs.keys() | before.costs.keys():
        row = after.costs.get(key, zero)
        base = before.costs.get(key, zero)
        delta = tuple(a - b for a, b in zip(row, base, strict=True))
        if any(delta):
            difference[key] = delta
    return difference


@dataclass(frozen=True)
class LineCost:
    """The derived counts of one row or a sum of rows."""

    ir: int = 0
    d_refs: int = 0
    d1_misses: int = 0
    ll_misses: int = 0
    l1_misses: int = 0  # I1 + D1
    branches: int = 0
    mispredicts: int = 0

    @staticmethod
    def of(events: tuple[str, ...], values: tuple[int, ...]) -> LineCost:
        e = dict(zip(events, values, strict=True))
        return LineCost(
            ir=e["Ir"],
            d_refs=e["Dr"] + e["Dw"],
            d1_misses=e["D1mr"] + e["D1mw"],
            ll_misses=e["ILmr"] + e["DLmr"] + e["DLmw"],
            l1_misses=e["I1mr"] + e["D1mr"] + e["D1mw"],
            branches=e["Bc"] + e["Bi"],
            mispredicts=e["Bcm"] + e["Bim"],
        )

    def __add__(self, other: LineCost) -> LineCost:
        return LineCost(*(a + b for a, b in zip(self.astuple(), other.astuple(), strict=True)))

    def astuple(self) -> tuple[int, ...]:
        return (
            self.ir, self.d_refs, self.d1_misses, self.ll_misses,
            self.l1_misses, self.branches, self.mispredicts,
        )  # fmt: skip

    @property
    def estimate(self) -> int:
        """kcachegrind's cycle estimate."""
        return self.ir + 10 * self.l1_misses + 100 * self.ll_misses + 10 * self.mispredicts


def parse_objdump(text: str) -> dict[int, str]:
    """Instruction address -> enclosing function, from ``objdump -d -C`` text."""
    functions: dict[int, str] = {}
    current: str | None = None
    for line in text.splitlines():
        header = re.match(r"^[0-9a-fA-F]+ <(.*)>:$", line)
        if header is not None:
            current = header.group(1)
            continue
        instruction = re.match(r"^\s+([0-9a-fA-F]+):\s", line)
        if instruction is not None and current is not None:
            functions[int(instruction.group(1), 16)] = current
    return functions


InlineKey = tuple[str, int, str]  # (header file name, line, function)


def inline_owners(
    functions: Mapping[int, str], chains: Mapping[int, tuple[tuple[str, int], ...]]
) -> dict[InlineKey, int]:
    """(header file name, line, function) -> the one candidate.cpp line whose inlined code
    it is; pairs that are inlined from several lines, or also stand alone, are left out."""
    owners: dict[InlineKey, set[int | None]] = defaultdict(set)
    for address, function in functions.items():
        chain = chains.get(address, ())
        if chain and Path(chain[0][0]).name != CANDIDATE_FILE and chain[0][1] > 0:
            key = (Path(chain[0][0]).name, chain[0][1], function)
            owners[key].add(candidate_line(chain))
    unique = {key: lines.pop() for key, lines in owners.items() if len(lines) == 1}
    return {key: line for key, line in unique.items() if line is not None}


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise ToolFailedError("the profiler's timeout passed")
    return left


def _valgrind() -> tuple[str, dict[str, str]]:
    """valgrind's real binary and the environment Debian's wrapper script gives it (the
    launcher execs binaries only: no shell in the sandbox)."""
    real = shutil.which("valgrind.bin")
    if real is None:
        return "valgrind", {}
    return real, {"LD_LIBRARY_PATH": "/usr/lib/debug", "GLIBCXX_FORCE_NEW": "1"}


def _cachegrind(ctx: ProfileContext, runs: int, deadline: float) -> CachegrindProfile:
    """Runs the driver under cachegrind: WARMUP calls, then ``runs`` calls, inside the
    tool sandbox (valgrind cannot pass the driver's own Landlock and seccomp through, so
    the launcher's hold: exec of valgrind's own files only, no fork)."""
    jail = tool_jail(
        ctx,
        f"cachegrind-{runs}",
        "launcher",
        read=(Path("/proc/self"),),  # the launcher's own /proc entry: valgrind reads its maps
        execute=(Path("/usr/libexec/valgrind"),),
        allow=("exec",),
    )
    try:
        return _cachegrind_in(ctx, jail, runs, deadline)
    finally:
        jail.remove()


def _cachegrind_in(
    ctx: ProfileContext, jail: ToolJail, runs: int, deadline: float
) -> CachegrindProfile:
    out = jail.scratch / "cachegrind.out"
    valgrind, env = _valgrind()
    command = [
        valgrind, "--vgdb=no", "--tool=cachegrind", "--cache-sim=yes", "--branch-sim=yes",
        *GEOMETRY, f"--cachegrind-out-file={out}",
        *driver_command(ctx.shared_object, ctx.inputs, runs=runs, warmup=WARMUP,
                        sandbox=jail.driver_args()),
    ]  # fmt: skip
    timeout = _remaining(deadline)
    result = run_jailed(command, jail, timeout=timeout, env=env)
    containment = jail.containment()
    if result.timed_out:
        raise ToolFailedError(f"valgrind timed out after {timeout:.0f} s")
    if not containment.full and ctx.require_containment:
        raise ToolFailedError(f"containment {containment.summary()}: not run")
    if result.returncode != 0:
        raise ToolFailedError(f"valgrind failed (exit {result.returncode}): {tail(result.stderr)}")
    try:
        done = json.loads(result.stdout.strip().splitlines()[-1])["runs"]
    except (ValueError, IndexError, KeyError, TypeError) as error:
        raise ToolFailedError(f"the driver printed no result under valgrind: {error}") from error
    if done != runs:
        raise ToolFailedError(f"the driver made {done} runs under valgrind, not {runs}")
    if not out.is_file():
        raise ToolFailedError(f"valgrind wrote no {out.name}")
    ctx.containment_seen.append(containment)
    return parse_cachegrind(out.read_text(errors="replace"))


def _owners(shared_object: Path, deadline: float) -> dict[InlineKey, int]:
    """Which candidate line inlined each header line of the shared object (binutils)."""
    command = ["objdump", "-d", "-C", "--no-show-raw-insn", "--section=.text", str(shared_object)]
    result = run_tool(command, timeout=_remaining(deadline))
    if result.timed_out or result.returncode != 0:
        raise ToolFailedError(f"objdump failed: {tail(result.stderr) or 'timed out'}")
    functions = parse_objdump(result.stdout)
    chains = resolve_lines(shared_object, functions, _remaining(deadline))
    return inline_owners(functions, chains)


@dataclass
class Attributed:
    """A candidate line's cost: its own rows plus the inlined header rows and the called
    functions' costs charged to it."""

    cost: LineCost
    inlined: LineCost
    called: LineCost = LineCost()


def attribute(
    events: tuple[str, ...], costs: Costs, owners: Mapping[InlineKey, int]
) -> tuple[dict[int, Attributed], dict[str, LineCost]]:
    """Costs per candidate line, and the costs left outside, per function."""
    lines: dict[int, Attributed] = defaultdict(lambda: Attributed(LineCost(), LineCost()))
    outside: dict[str, LineCost] = defaultdict(LineCost)
    for (file, function, line), values in costs.items():
        cost = LineCost.of(events, values)
        name = Path(file).name
        owner = owners.get((name, line, function))
        if name == CANDIDATE_FILE:
            lines[line].cost += cost
        elif owner is not None:
            lines[owner].cost += cost
            lines[owner].inlined += cost
        else:
            outside[function] += cost
    return dict(lines), dict(outside)


def _per_run(value: int) -> float:
    return value / RUNS


def _hotspots(ctx: ProfileContext, lines: Mapping[int, Attributed]) -> list[LineHotspot]:
    ranked = sorted(lines.items(), key=lambda item: (-item[1].cost.estimate, item[0]))
    return [
        LineHotspot(
            line=line,
            source=ctx.line_text(line),
            metrics={
                "Ir": _per_run(entry.cost.ir),
                "D1_misses": _per_run(entry.cost.d1_misses),
                "LL_misses": _per_run(entry.cost.ll_misses),
                "mispredicts": _per_run(entry.cost.mispredicts),
                "cycle_estimate": _per_run(entry.cost.estimate),
                "inlined_share": entry.inlined.estimate / entry.cost.estimate,
                **(
                    {"called_share": entry.called.estimate / entry.cost.estimate}
                    if entry.called.estimate
                    else {}
                ),
            },
            rank_value=_per_run(entry.cost.estimate),
        )
        for line, entry in ranked[:TOP_HOTSPOTS]
        if entry.cost.estimate > 0
    ]


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else 0.0


def _figures(
    lines: Mapping[int, Attributed], outside: Mapping[str, LineCost]
) -> dict[str, float | int | str]:
    total = sum((entry.cost for entry in lines.values()), LineCost())
    total += sum(outside.values(), LineCost())
    inlined = sum((entry.inlined for entry in lines.values()), LineCost())
    called = sum((entry.called for entry in lines.values()), LineCost())
    candidate = sum((entry.cost for entry in lines.values()), LineCost())
    figures: dict[str, float | int | str] = {
        "runs": RUNS,
        "Ir_per_run": _per_run(total.ir),
        "D1_misses_per_run": _per_run(total.d1_misses),
        "LL_misses_per_run": _per_run(total.ll_misses),
        "mispredicts_per_run": _per_run(total.mispredicts),
        "cycle_estimate_per_run": _per_run(total.estimate),
        "D1_miss_rate": _ratio(total.d1_misses, total.d_refs),
        "LL_miss_rate": _ratio(total.ll_misses, total.ir + total.d_refs),
        "mispredict_rate": _ratio(total.mispredicts, total.branches),
        "candidate_share": _ratio(candidate.estimate, total.estimate),
        "inlined_into_candidate_share": _ratio(inlined.estimate, total.estimate),
        "called_from_candidate_share": _ratio(called.estimate, total.estimate),
        "outside_candidate_share": _ratio(total.estimate - candidate.estimate, total.estimate),
    }
    ranked = sorted(outside.items(), key=lambda item: -item[1].estimate)[:TOP_OUTSIDE]
    for rank, (function, cost) in enumerate(ranked, start=1):
        figures[f"top_outside_{rank}"] = f"{_ratio(cost.estimate, total.estimate):.1%} {function}"
    return figures


def _slowdown_file(ctx: ProfileContext) -> Path:
    return cache_dir() / "profiler-costs" / f"{ctx.task.name}.cachegrind.json"


def _median_call_seconds(ctx: ProfileContext) -> float | None:
    median = (ctx.measurement.get("time_ns") or {}).get("median")
    return float(median) * 1e-9 if median else None


def _skips_in_a_row(ctx: ProfileContext) -> int:
    try:
        return int(json.loads(_slowdown_file(ctx).read_text()).get("skips", 0))
    except (OSError, ValueError, TypeError, AttributeError):
        return 0


def _record(ctx: ProfileContext, slowdown: float, skips: int) -> None:
    path = _slowdown_file(ctx)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps({"slowdown": round(slowdown, 1), "skips": skips}))
    temporary.replace(path)


def estimated_seconds(ctx: ProfileContext) -> float | None:
    """What the longer of the two cachegrind runs should take, from the measurement's
    median call time and this task's last observed slowdown (None if either is unknown)."""
    call = _median_call_seconds(ctx)
    try:
        slowdown = float(json.loads(_slowdown_file(ctx).read_text())["slowdown"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if call is None or not slowdown > 0:
        return None
    return VALGRIND_START_SECONDS + (WARMUP + RUNS) * call * slowdown


def _learn_slowdown(ctx: ProfileContext, seconds: float, *, timed_out: bool = False) -> None:
    """Records how much slower than natively a call ran. After a timeout all of the time
    counts as calls (more than they took), so that the next estimate exceeds the limit."""
    call = _median_call_seconds(ctx)
    if call is None or call <= 0:
        return
    work = seconds if timed_out else max(seconds - VALGRIND_START_SECONDS, 0.0)
    _record(ctx, work / ((WARMUP + RUNS) * call), skips=0)


def _profile(ctx: ProfileContext, deadline: float) -> ProfileSection:
    # The two runs are independent and deterministic: run them side by side.
    with ThreadPoolExecutor(max_workers=2) as pool:
        before_run = pool.submit(_cachegrind, ctx, 0, deadline)
        after_run = pool.submit(_cachegrind, ctx, RUNS, deadline)
        before, after = before_run.result(), after_run.result()
    missing = [event for event in EVENTS if event not in after.events]
    if missing:
        raise ProfilerOutputError(f"cachegrind did not count {', '.join(missing)}")
    notes = []
    owners: dict[InlineKey, int] = {}
    if shutil.which("objdump") and shutil.which("addr2line"):
        owners = _owners(ctx.shared_object, deadline)
    else:
        notes.append("binutils not found: inlined std:: code is not charged to candidate lines")
    lines, outside = attribute(after.events, subtract(after, before), owners)
    call_sites, why_not = _call_sites(ctx)
    if call_sites is None:
        notes.append(f"called library code is not charged to candidate lines: {why_not}")
    else:
        outside = charge_called(lines, outside, call_sites)
    return ProfileSection(
        "simulated",
        True,
        label=LABEL,
        figures=_figures(lines, outside),
        hotspots=_hotspots(ctx, lines),
        notes=notes,
    )


def symbol_key(name: str) -> str:
    """A function's name as both cachegrind and perf spell it: no symbol version, no
    parameters or template arguments."""
    return short_symbol(name.split("@", 1)[0], limit=10_000)


CallSites = dict[str, Counter[int]]  # function (symbol_key) -> candidate line -> samples


def call_sites(recording: Recording) -> CallSites:
    """For every function on the sampled stacks, the lines its samples were charged to."""
    sites: CallSites = defaultdict(Counter)
    for sample in recording.of_event(recording.time_event):
        where = attribute_sample(
            sample, recording.candidate_dso, recording.chains, recording.blocks
        )
        if where.line is None:
            continue
        called = called_frames(sample, recording.candidate_dso, recording.chains)
        for name in {symbol_key(frame.symbol) for frame in called}:
            sites[name][where.line] += 1
    return dict(sites)


def charge_called(
    lines: dict[int, Attributed], outside: Mapping[str, LineCost], sites: CallSites
) -> dict[str, LineCost]:
    """Charges each outside function's cost to the candidate lines its sampled stacks were
    charged to, in proportion to the samples (all of it when one line calls it); returns
    what is left outside (functions never sampled)."""
    left: dict[str, LineCost] = {}
    for function, cost in outside.items():
        counts = sites.get(symbol_key(function))
        if not counts:
            left[function] = cost
            continue
        total = sum(counts.values())
        for line, n in counts.items():
            share = LineCost(*(round(v * n / total) for v in cost.astuple()))
            entry = lines.setdefault(line, Attributed(LineCost(), LineCost()))
            entry.cost += share
            entry.called += share
    return left


def _call_sites(ctx: ProfileContext) -> tuple[CallSites | None, str]:
    """The sampled call sites from the profile's perf recording, if this profile makes one."""
    if ctx.shared_recording is None or not ctx.shared_recording.wanted:
        return None, "no perf recording in this profile (the sampling profiler makes it)"
    try:
        return call_sites(ctx.perf_recording()), ""
    except (ToolFailedError, ProfilerOutputError) as error:
        return None, f"the perf recording failed: {error}"


def run(ctx: ProfileContext) -> ProfileSection:
    """Simulates the candidate's caches and branch predictor with cachegrind; unavailable
    (with the reason) if valgrind is missing or fails, or would take more than
    ``OVER_BUDGET_FACTOR`` x the budget (estimated up front, or found by a timeout)."""
    start = time.monotonic()
    if shutil.which("valgrind") is None:
        return unavailable("simulated", "valgrind not found on PATH (install valgrind)")
    limit = max(OVER_BUDGET_FACTOR * ctx.budget, MIN_LIMIT_SECONDS)
    estimate = estimated_seconds(ctx)
    skips = _skips_in_a_row(ctx)
    if estimate is not None and estimate > limit and skips < RELEARN_AFTER_SKIPS:
        slowdown = (estimate - VALGRIND_START_SECONDS) / (
            (WARMUP + RUNS) * (_median_call_seconds(ctx) or 1.0)
        )
        _record(ctx, slowdown, skips=skips + 1)
        return unavailable(
            "simulated",
            f"skipped: cachegrind would take about {estimate:.0f} s on this candidate "
            f"(from its native call time and this task's last cachegrind run), over the "
            f"{limit:g} s this profile allows it",
        )
    deadline = start + min(ctx.timeout, limit)
    try:
        section = _profile(ctx, deadline)
    except (ToolFailedError, ProfilerOutputError) as error:
        elapsed = time.monotonic() - start
        if time.monotonic() >= deadline:
            _learn_slowdown(ctx, elapsed, timed_out=True)
            return unavailable(
                "simulated",
                f"skipped: cachegrind did not finish within the {min(ctx.timeout, limit):g} s "
                "this profile allows it",
                elapsed,
            )
        return unavailable("simulated", str(error), elapsed)
    section.seconds = time.monotonic() - start
    _learn_slowdown(ctx, section.seconds)
    return section
