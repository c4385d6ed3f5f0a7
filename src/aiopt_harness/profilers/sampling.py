"""The sampling section: time samples per line of candidate.cpp, from the profile's perf
recording (recording.py); and beside it the page-fault section, from the same recording.

A sample counts for its line by attribution.py's rules: the innermost line inside the
EVOLVE block on its call stack (DWARF unwinding, inlined frames expanded by addr2line),
so time spent in inlined std:: code, out-of-line template instances, libc or the kernel
on behalf of a line counts for that line. Samples taken before the first or after the
last one inside ``aiopt_run`` (the input generation in ``aiopt_init``, the teardown) are
dropped.
"""

from __future__ import annotations

import shutil
import time
from collections import Counter
from collections.abc import Sequence

from .attribution import Attribution, attribute
from .context import ProfileContext
from .errors import ProfilerOutputError, ToolFailedError
from .recording import FREQUENCY, PAGE_FAULTS, Recording
from .section import LineHotspot, ProfileSection, unavailable

TOP_HOTSPOTS = 10
TOP_OUTSIDE = 5


def attributions(recording: Recording, event: str) -> list[tuple[Attribution, int]]:
    """Each sample of ``event`` with its line and weight (its period)."""
    return [
        (attribute(s, recording.candidate_dso, recording.chains, recording.blocks), s.period)
        for s in recording.of_event(event)
    ]


def _outside_figures(
    weighted: Sequence[tuple[Attribution, int]], total: float
) -> dict[str, float | int | str]:
    leaves: Counter[str] = Counter()
    for attribution, weight in weighted:
        if not attribution.on_line:
            leaves[attribution.leaf] += weight
    return {
        f"top_outside_{rank}": f"{n / total:.1%} {name}"
        for rank, (name, n) in enumerate(leaves.most_common(TOP_OUTSIDE), start=1)
    }


def _time_hotspots(
    ctx: ProfileContext, attributed: Sequence[Attribution], total: int
) -> list[LineHotspot]:
    counts = Counter(a.line for a in attributed if a.line is not None)
    on_line = Counter(a.line for a in attributed if a.line is not None and a.on_line)
    return [
        LineHotspot(
            line=line,
            source=ctx.line_text(line),
            metrics={"share": n / total, "samples": n, "self_share": on_line[line] / total},
            rank_value=n / total,
        )
        for line, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:TOP_HOTSPOTS]
    ]


def _time_section(ctx: ProfileContext, recording: Recording) -> ProfileSection:
    attributed = [a for a, _ in attributions(recording, recording.time_event)]
    total = len(attributed)
    if total == 0:
        raise ToolFailedError(f"perf recorded no {recording.time_event} samples in aiopt_run")
    on_lines = sum(1 for a in attributed if a.on_line)
    figures: dict[str, float | int | str] = {
        "event": recording.time_event,
        "seconds_sampled": recording.seconds,
        "samples": total,
        "candidate_self_share": on_lines / total,
        "outside_candidate_share": (total - on_lines) / total,
        "attributed_share": sum(1 for a in attributed if a.line is not None) / total,
        **_outside_figures([(a, 1) for a in attributed], total),
    }
    return ProfileSection(
        "sampling",
        True,
        label=(
            f"sampled by perf record ({recording.time_event}, {FREQUENCY} Hz, DWARF call "
            f"stacks) over {recording.seconds:g} s of aiopt_run calls; share = samples with "
            "the line innermost on the stack (inlined and called code included), "
            "self_share = leaf on the line"
        ),
        figures=figures,
        hotspots=_time_hotspots(ctx, attributed, total),
    )


def page_fault_section(ctx: ProfileContext, recording: Recording) -> ProfileSection:
    """Page faults per line: the ``page-faults`` samples weighted by their periods."""
    weighted = attributions(recording, PAGE_FAULTS)
    calls = recording.calls
    total = sum(weight for _, weight in weighted)
    figures: dict[str, float | int | str] = {"page_faults_per_call": round(total / calls, 1)}
    hotspots: list[LineHotspot] = []
    if total:
        by_line: Counter[int] = Counter()
        for attribution, weight in weighted:
            if attribution.line is not None:
                by_line[attribution.line] += weight
        figures["attributed_share"] = sum(by_line.values()) / total
        figures.update(_outside_figures(weighted, total))
        ranked = sorted(by_line.items(), key=lambda item: (-item[1], item[0]))[:TOP_HOTSPOTS]
        hotspots = [
            LineHotspot(
                line=line,
                source=ctx.line_text(line),
                metrics={"page_faults_per_call": round(n / calls, 1), "share": n / total},
                rank_value=n / calls,
            )
            for line, n in ranked
        ]
    return ProfileSection(
        "page_faults",
        True,
        label=(
            f"page-faults software event sampled by perf record (~{FREQUENCY} Hz, each sample "
            f"weighted by the faults it stands for, DWARF call stacks) over {calls} aiopt_run "
            "calls (1 warmup); per line by the sampled time's rules"
        ),
        figures=figures,
        hotspots=hotspots,
        notes=[] if total else ["no page faults were recorded during the calls"],
    )


def run(ctx: ProfileContext) -> ProfileSection:
    """Samples the candidate with perf; unavailable (with the reason) if perf is missing,
    refused or fails. The page-fault section comes with it as a subsection."""
    start = time.monotonic()
    for tool, package in (
        ("perf", "linux-perf"),
        ("addr2line", "binutils"),
        ("objdump", "binutils"),
    ):
        if shutil.which(tool) is None:
            return unavailable("sampling", f"{tool} not found on PATH (install {package})")
    try:
        recording = ctx.perf_recording()
        section = _time_section(ctx, recording)
    except (ToolFailedError, ProfilerOutputError) as error:
        return unavailable("sampling", str(error), time.monotonic() - start)
    section.subsections["page_faults"] = page_fault_section(ctx, recording)
    section.seconds = time.monotonic() - start
    return section
