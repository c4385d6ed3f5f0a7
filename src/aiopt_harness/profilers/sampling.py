"""The sampling section: ``perf record`` on the driver, samples per line of candidate.cpp.

A sample counts for the innermost line of candidate.cpp on its call stack (DWARF
unwinding, inlined frames expanded by addr2line), so time spent in inlined std:: code,
out-of-line template instances, libc or the kernel on behalf of a line counts for that
line. Samples taken before the first or after the last one inside ``aiopt_run`` (the
input generation in ``aiopt_init``, the teardown) are dropped.
"""

from __future__ import annotations

import re
import shutil
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .context import ProfileContext
from .driver import driver_command, run_jailed, run_tool, tool_jail
from .errors import ProfilerOutputError, ToolFailedError
from .section import LineHotspot, ProfileSection, unavailable
from .shared import Location, candidate_line, resolve_lines, tail

FREQUENCY = 999  # Hz
MAX_SECONDS = 5.0  # of driver runtime
STACK_BYTES = 8192  # user stack copied per sample for DWARF unwinding
TOP_HOTSPOTS = 10
TOP_OUTSIDE = 5
ENTRY_SYMBOL = "aiopt_run"


_SAMPLE_HEADER = re.compile(r"^\s*(\d+\.\d+):\s*$")
_FRAME = re.compile(r"^\s+([0-9a-fA-F]+) (.+) \(([^()]*)\)$")
_SYMBOL_OFFSET = re.compile(r"\+0x[0-9a-fA-F]+$")


@dataclass(frozen=True)
class Frame:
    """One entry of a sample's call stack as ``perf script`` prints it."""

    address: int  # relative to the start of ``dso`` for user code
    symbol: str  # demangled, without the +0x offset; "[unknown]" when perf has none
    dso: str


@dataclass(frozen=True)
class Sample:
    """One sample: when it was taken and its call stack, leaf first."""

    time: float
    frames: tuple[Frame, ...]


def _parse_frame(line: str, number: int) -> Frame:
    match = _FRAME.match(line)
    if match is None:
        raise ProfilerOutputError(f"perf script line {number}: not a stack frame: {line!r}")
    address, symbol, dso = match.groups()
    return Frame(int(address, 16), _SYMBOL_OFFSET.sub("", symbol), dso)


def parse_perf_script(text: str) -> list[Sample]:
    """Samples of ``perf script -F time,ip,sym,symoff,dso``: a ``TIME:`` header, one
    indented frame per line, a blank line after each sample. Raises ProfilerOutputError on
    anything else, or when the text ends inside a sample (truncated)."""
    samples: list[Sample] = []
    sample_time: float | None = None
    frames: list[Frame] = []
    for number, line in enumerate(text.split("\n"), start=1):
        header = _SAMPLE_HEADER.match(line)
        if header is not None:
            if sample_time is not None:
                raise ProfilerOutputError(f"perf script line {number}: sample without end")
            sample_time, frames = float(header.group(1)), []
        elif not line.strip():
            if sample_time is not None:
                samples.append(Sample(sample_time, tuple(frames)))
                sample_time = None
        elif sample_time is None:
            raise ProfilerOutputError(f"perf script line {number}: frame outside a sample")
        else:
            frames.append(_parse_frame(line, number))
    if sample_time is not None:
        raise ProfilerOutputError("perf script output ends inside a sample (truncated)")
    return samples


@dataclass(frozen=True)
class Attribution:
    """Where one sample lands."""

    line: int | None  # innermost candidate.cpp line on the stack
    on_line: bool  # the leaf instruction itself is on that line
    leaf: str  # the leaf, named for the outside shares (see _leaf_name)


def _leaf_name(frame: Frame, chain: Sequence[Location], candidate_dso: str) -> str:
    """``symbol [dso]``, or ``symbol [header in candidate]`` for inlined library code."""
    if frame.dso != candidate_dso:
        return f"{frame.symbol} [{Path(frame.dso).name}]"
    where = Path(chain[0][0]).name if chain else "?"
    return f"{frame.symbol} [{where} in candidate]"


def attribute(
    sample: Sample, candidate_dso: str, chains: dict[int, tuple[Location, ...]]
) -> Attribution:
    """The innermost candidate.cpp line on the sample's stack, walking from the leaf out."""
    if not sample.frames:
        return Attribution(None, False, "[no stack]")
    leaf = sample.frames[0]
    leaf_chain = chains.get(leaf.address, ()) if leaf.dso == candidate_dso else ()
    name = _leaf_name(leaf, leaf_chain, candidate_dso)
    for depth, frame in enumerate(sample.frames):
        if frame.dso != candidate_dso:
            continue
        line = candidate_line(chains.get(frame.address, ()))
        if line is not None:
            on_line = depth == 0 and candidate_line(leaf_chain[:1]) == line
            return Attribution(line, on_line, name)
    return Attribution(None, False, name)


def run_phase(samples: Sequence[Sample], candidate_dso: str) -> list[Sample]:
    """The samples from the first to the last one with ``aiopt_run`` on the stack."""

    def in_run(sample: Sample) -> bool:
        return any(f.dso == candidate_dso and f.symbol == ENTRY_SYMBOL for f in sample.frames)

    times = [sample.time for sample in samples if in_run(sample)]
    if not times:
        return []
    first, last = min(times), max(times)
    return [sample for sample in samples if first <= sample.time <= last]


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise ToolFailedError("the profiler's timeout passed")
    return left


def _event(deadline: float) -> str:
    """``cycles`` when the machine has a hardware PMU, else ``task-clock``."""
    probe = run_tool(["perf", "stat", "-e", "cycles", "-x,", "true"], timeout=_remaining(deadline))
    usable = probe.returncode == 0 and "<not supported>" not in probe.stderr
    return "cycles" if usable and "<not counted>" not in probe.stderr else "task-clock"


PERF_READS = (Path("/proc"), Path("/sys"))  # perf reads its child's maps and event files


def _record(ctx: ProfileContext, event: str, seconds: float, deadline: float) -> str:
    """Records the driver running for ``seconds``; returns ``perf script``'s text.

    perf runs in the tool sandbox with what it needs (fork, exec, perf_event_open, its
    capabilities); the driver it starts puts itself in the strict sandbox before it loads
    the candidate, and ``perf script`` reads the recording inside the sandbox too (the
    candidate could write that file)."""
    jail = tool_jail(
        ctx,
        "perf-record",
        "driver",
        read=PERF_READS,
        allow=("exec", "fork", "perf", "capabilities"),
    )
    try:
        data = jail.scratch / "perf.data"
        driver = driver_command(
            ctx.shared_object, ctx.inputs, runs=1, warmup=1, seconds=seconds,
            sandbox=jail.driver_args(),
        )  # fmt: skip
        record = [
            "perf", "record", "-q", "-e", event, "-F", str(FREQUENCY),
            "--call-graph", f"dwarf,{STACK_BYTES}", "-o", str(data), "--", *driver,
        ]  # fmt: skip
        result = run_jailed(record, jail, timeout=_remaining(deadline))
        if result.timed_out:
            raise ToolFailedError(f"perf record timed out after {ctx.timeout:g} s")
        containment = jail.containment()
        if not containment.full and ctx.require_containment:
            raise ToolFailedError(f"containment {containment.summary()}: not run")
        if result.returncode != 0:
            raise ToolFailedError(
                f"perf record failed (exit {result.returncode}): {tail(result.stderr)}"
            )
        ctx.containment_seen.append(containment)
        script = ["perf", "script", "-i", str(data), "-F", "time,ip,sym,symoff,dso", "--no-inline"]
        result = run_jailed(script, jail, timeout=_remaining(deadline))
        if result.timed_out or result.returncode != 0:
            raise ToolFailedError(f"perf script failed: {tail(result.stderr) or 'timed out'}")
        return result.stdout
    finally:
        jail.remove()


def _hotspots(
    ctx: ProfileContext, attributions: Sequence[Attribution], total: int
) -> list[LineHotspot]:
    counts = Counter(a.line for a in attributions if a.line is not None)
    on_line = Counter(a.line for a in attributions if a.line is not None and a.on_line)
    return [
        LineHotspot(
            line=line,
            source=ctx.line_text(line),
            metrics={"share": n / total, "samples": n, "self_share": on_line[line] / total},
            rank_value=n / total,
        )
        for line, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:TOP_HOTSPOTS]
    ]


def _figures(
    event: str, seconds: float, attributions: Sequence[Attribution]
) -> dict[str, float | int | str]:
    total = len(attributions)
    on_lines = sum(1 for a in attributions if a.on_line)
    figures: dict[str, float | int | str] = {
        "event": event,
        "seconds_sampled": seconds,
        "samples": total,
        "candidate_self_share": on_lines / total,
        "outside_candidate_share": (total - on_lines) / total,
        "attributed_share": sum(1 for a in attributions if a.line is not None) / total,
    }
    leaves = Counter(a.leaf for a in attributions if not a.on_line)
    for rank, (name, n) in enumerate(leaves.most_common(TOP_OUTSIDE), start=1):
        figures[f"top_outside_{rank}"] = f"{n / total:.1%} {name}"
    return figures


def _profile(ctx: ProfileContext, deadline: float) -> ProfileSection:
    event = _event(deadline)
    seconds = max(0.5, min(ctx.budget, MAX_SECONDS))
    samples = parse_perf_script(_record(ctx, event, seconds, deadline))
    candidate_dso = str(ctx.shared_object.resolve())
    kept = run_phase(samples, candidate_dso)
    if not kept:
        raise ToolFailedError(f"perf recorded {len(samples)} samples, none inside {ENTRY_SYMBOL}")
    addresses = (f.address for s in kept for f in s.frames if f.dso == candidate_dso)
    chains = resolve_lines(ctx.shared_object, addresses, _remaining(deadline))
    attributions = [attribute(sample, candidate_dso, chains) for sample in kept]
    return ProfileSection(
        "sampling",
        True,
        label=(
            f"sampled by perf record ({event}, {FREQUENCY} Hz, DWARF call stacks) over "
            f"{seconds:g} s of aiopt_run calls; share = samples with the line innermost "
            "on the stack (inlined and called code included), self_share = leaf on the line"
        ),
        figures=_figures(event, seconds, attributions),
        hotspots=_hotspots(ctx, attributions, len(attributions)),
    )


def run(ctx: ProfileContext) -> ProfileSection:
    """Samples the candidate with perf; unavailable (with the reason) if perf is missing,
    refused or fails."""
    start = time.monotonic()
    for tool, package in (("perf", "linux-perf"), ("addr2line", "binutils")):
        if shutil.which(tool) is None:
            return unavailable("sampling", f"{tool} not found on PATH (install {package})")
    try:
        section = _profile(ctx, start + ctx.timeout)
    except (ToolFailedError, ProfilerOutputError) as error:
        return unavailable("sampling", str(error), time.monotonic() - start)
    section.seconds = time.monotonic() - start
    return section
