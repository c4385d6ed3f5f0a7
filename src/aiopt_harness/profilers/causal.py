"""Causal profiling with Coz (and BCOZ profiles made elsewhere): what a faster line buys.

Coz runs *experiments*: for about half a second it virtually speeds up one line by a
chosen amount (by pausing every other thread, here none) and counts how often the
driver's progress point ``aiopt_run`` is reached. Curves group experiments by
(selection, line speedup):

    period  = sum(duration) / sum(progress delta)
    program speedup = (period0 - period_s) / period0

where ``period0`` comes from *all* 0%-speedup experiments pooled (within one BCOZ
fixed-speedup context), not only the selection's own: a 0% experiment inserts no delay,
so whatever its selection it measures the same unmodified program, and Coz picks the
selection at random, so the own ones are no closer in time. Pooling gives 3-6x more
baseline experiments, which matters on hosts with slow periods (on recorded matmul
profiles the slopes of lines 21/22 were 1.06/0.93 with own baselines of 2-3
experiments, 0.97/0.99 pooled).

A candidate is single-threaded, so a line's curve is Amdahl's line through the origin:
program speedup = f * line speedup, f being the line's share of the time. Lines are
therefore ranked by the slope ``f`` fitted by least squares through the origin over all
their tested speedups (each speedup weighted by its number of experiments), and
summarized at a 20% line speedup. A single speedup is only quoted on its own when at
least ``MIN_POINT_EXPERIMENTS`` experiments tested it; a line is only claimed with at
least ``MIN_LINE_EXPERIMENTS`` experiments at non-zero speedups.
"""

from __future__ import annotations

import re
import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from ..common.artifact_text import artifact_safe
from .context import ProfileContext
from .driver import driver_command, run_jailed, tool_jail
from .errors import ProfilerOutputError
from .section import LineHotspot, ProfileSection, unavailable
from .shared import read_recorded

CANDIDATE_FILE = "candidate.cpp"  # every candidate is compiled from a copy of this name
PROGRESS_POINT = "aiopt_run"  # the driver's progress point, reached after every timed run
BLOCKED_SCOPES = ("ON_CPU", "IO", "LOCK", "SCHEDULING", "BLOCKED", "OFF_CPU")
SCOPE_WORDS = {
    "ON_CPU": "on-CPU time",
    "IO": "I/O waits",
    "LOCK": "lock waits",
    "SCHEDULING": "run-queue waits",
    "BLOCKED": "other blocked time",
    "OFF_CPU": "all off-CPU time",
}
MIN_POINT_EXPERIMENTS = 2  # experiments needed to quote one (selection, speedup) point
MIN_LINE_EXPERIMENTS = 3  # non-zero-speedup experiments needed to claim a selection
REFERENCE_SPEEDUP = 0.2  # the line speedup the summaries are stated at
MAX_HOTSPOTS = 10

_SELECTION = re.compile(r"^(?P<base>.*?)(?:\((?P<based>[A-Za-z_]+),(?P<share>[0-9.]+)%\|\))?$")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class CozProfileError(ProfilerOutputError):
    """A Coz/BCOZ profile that cannot be read; ``line`` is the 1-based line number."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"profile line {line}: {message}")
        self.line = line


@dataclass(frozen=True)
class Selection:
    """What an experiment sped up: a source line, or (BCOZ) a kind of blocked time.

    ``based`` and ``based_share`` describe BCOZ's optional second, fixed speedup
    (e.g. ``(IO,50%|)``: I/O waits 50% shorter in every experiment of this selection).
    """

    text: str  # the raw ``selected=`` value
    file: str = ""
    line: int = 0
    scope: str = ""  # one of BLOCKED_SCOPES, or "" for a source line
    based: str = ""
    based_share: float = 0.0

    @property
    def is_candidate_line(self) -> bool:
        return not self.scope and Path(self.file).name == CANDIDATE_FILE

    @property
    def base_key(self) -> str:
        """The context shared by experiments whose 0% runs can be pooled."""
        return f"{self.based}:{self.based_share:g}" if self.based else ""

    def describe(self) -> str:
        """Words for the selection, e.g. ``line 22`` or ``I/O waits``."""
        if self.scope:
            what = SCOPE_WORDS[self.scope]
        elif self.is_candidate_line:
            what = f"line {self.line}"
        else:
            what = f"{artifact_safe(Path(self.file).name)}:{self.line}"
        if self.based:
            what += (
                f" (with {SCOPE_WORDS.get(self.based, self.based)} {self.based_share:.0%} shorter)"
            )
        return what


@dataclass(frozen=True)
class Experiment:
    """One Coz experiment and the progress made during it."""

    selection: Selection
    speedup: float  # the virtual line speedup, 0..1
    duration_ns: int  # wall time minus the inserted delays
    selected_samples: int
    delay_ns: int | None  # BCOZ only
    progress: dict[str, int]  # progress point name -> visits during the experiment
    source_line: int  # where it is in the profile file


@dataclass
class CozProfile:
    """The content of a ``profile.coz`` (one or more appended runs)."""

    runs: int = 0  # ``startup`` lines
    runtime_ns: int = 0  # summed over runs
    experiments: list[Experiment] = field(default_factory=list)
    samples: dict[str, int] = field(default_factory=dict)  # location -> count
    progress_points: list[str] = field(default_factory=list)  # throughput points, first seen first
    latency_points: list[str] = field(default_factory=list)


def _fields(parts: list[str], number: int) -> dict[str, str]:
    values: dict[str, str] = {}
    for part in parts:
        key, equals, value = part.partition("=")
        if not equals or not key:
            raise CozProfileError(number, f"expected key=value, found {part[:60]!r}")
        values[key] = value
    return values


def _require(values: dict[str, str], key: str, kind: str, number: int) -> str:
    if key not in values:
        raise CozProfileError(number, f"{kind} line lacks {key}= (truncated profile?)")
    return values[key]


def _int(values: dict[str, str], key: str, kind: str, number: int) -> int:
    text = _require(values, key, kind, number)
    try:
        return int(text)
    except ValueError:
        raise CozProfileError(number, f"{key}={text[:40]!r} is not an integer") from None


def _float(values: dict[str, str], key: str, kind: str, number: int) -> float:
    text = _require(values, key, kind, number)
    try:
        return float(text)
    except ValueError:
        raise CozProfileError(number, f"{key}={text[:40]!r} is not a number") from None


def parse_selection(text: str, number: int = 0) -> Selection:
    """``FILE:LINE`` or a BCOZ scope, optionally followed by ``(SCOPE,SHARE%|)``.

    BCOZ prints the share as a fraction (``(IO,0.50%|)``); a share above 1 is read as a
    percentage (``(IO,50%|)``).
    """
    match = _SELECTION.match(text)
    base = match.group("base") if match else text
    based, share = "", 0.0
    if match and match.group("based"):
        based = match.group("based")
        try:
            share = float(match.group("share"))
        except ValueError:
            raise CozProfileError(number, f"bad share in selection {text[:80]!r}") from None
        share = share / 100 if share > 1 else share
    if base in BLOCKED_SCOPES:
        return Selection(text, scope=base, based=based, based_share=share)
    file, colon, line = base.rpartition(":")
    if not colon or not file or not line.isdigit():
        raise CozProfileError(number, f"selection {text[:80]!r} is neither FILE:LINE nor a scope")
    return Selection(text, file=file, line=int(line), based=based, based_share=share)


def _experiment(values: dict[str, str], number: int) -> Experiment:
    kind = "experiment"
    delay = _int(values, "delay", kind, number) if "delay" in values else None
    samples = _int(values, "selected-samples", kind, number) if "selected-samples" in values else 0
    speedup = _float(values, "speedup", kind, number)
    if not 0.0 <= speedup <= 1.0:
        raise CozProfileError(number, f"speedup={speedup} is outside 0..1")
    return Experiment(
        selection=parse_selection(_require(values, "selected", kind, number), number),
        speedup=speedup,
        duration_ns=_int(values, "duration", kind, number),
        selected_samples=samples,
        delay_ns=delay,
        progress={},
        source_line=number,
    )


def _add_progress(profile: CozProfile, name: str, delta: int, number: int) -> None:
    if not profile.experiments:
        raise CozProfileError(number, "progress point before any experiment")
    progress = profile.experiments[-1].progress
    progress[name] = progress.get(name, 0) + delta
    if name not in profile.progress_points:
        profile.progress_points.append(name)


class _RunState:
    """Per-run values that later lines of the same run replace (Coz logs them cumulatively)."""

    def __init__(self) -> None:
        self.runtime_ns = 0
        self.samples: dict[str, int] = {}

    def fold_into(self, profile: CozProfile) -> None:
        profile.runtime_ns += self.runtime_ns
        for location, count in self.samples.items():
            profile.samples[location] = profile.samples.get(location, 0) + count


def _parse_line(
    profile: CozProfile, run: _RunState, kind: str, values: dict[str, str], number: int
) -> None:
    if kind == "experiment":
        profile.experiments.append(_experiment(values, number))
    elif kind == "throughput-point":
        name = _require(values, "name", kind, number)
        _add_progress(profile, name, _int(values, "delta", kind, number), number)
    elif kind == "progress-point":  # Coz before 0.2: type=source is a throughput point
        name = _require(values, "name", kind, number)
        delta = _int(values, "delta", kind, number)
        if values.get("type", "source") == "source":
            _add_progress(profile, name, delta, number)
    elif kind == "latency-point":  # its ``difference`` is garbage in Coz 0.2.2: unused
        name = _require(values, "name", kind, number)
        if name not in profile.latency_points:
            profile.latency_points.append(name)
    elif kind == "samples":
        location = _require(values, "location", kind, number)
        run.samples[location] = _int(values, "count", kind, number)
    elif kind == "runtime":
        run.runtime_ns = _int(values, "time", kind, number)


def parse_coz_profile(text: str) -> CozProfile:
    """Reads Coz's (or BCOZ's) tab-separated profile; raises CozProfileError if malformed."""
    profile = CozProfile()
    run = _RunState()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        kind, *parts = line.split("\t")
        if not re.fullmatch(r"[a-z][a-z-]*", kind):
            raise CozProfileError(number, f"not a Coz record: {line[:60]!r}")
        values = _fields(parts, number)
        if kind == "startup":
            _int(values, "time", kind, number)
            run.fold_into(profile)
            run = _RunState()
            profile.runs += 1
        else:
            _parse_line(profile, run, kind, values, number)
    run.fold_into(profile)
    for experiment in profile.experiments:
        if not experiment.progress:
            raise CozProfileError(
                experiment.source_line, "experiment without progress lines (truncated profile?)"
            )
    return profile


@dataclass(frozen=True)
class CurvePoint:
    """The program speedup measured at one line speedup."""

    line_speedup: float
    program_speedup: float
    experiments: int

    @property
    def quotable(self) -> bool:
        return self.experiments >= MIN_POINT_EXPERIMENTS


@dataclass(frozen=True)
class CausalCurve:
    """One selection's curve: its points (speedup > 0) and the fitted Amdahl slope."""

    selection: Selection
    points: tuple[CurvePoint, ...]
    baseline_experiments: int  # 0% experiments pooled into period0
    slope: float  # fitted program speedup per unit of line speedup

    @property
    def experiments(self) -> int:
        """Non-zero-speedup experiments behind the slope."""
        return sum(point.experiments for point in self.points)

    @property
    def claimable(self) -> bool:
        return self.experiments >= MIN_LINE_EXPERIMENTS


@dataclass(frozen=True)
class _Group:
    experiments: int
    duration_ns: int
    progress: int

    def period(self) -> float | None:
        return self.duration_ns / self.progress if self.progress > 0 else None


def _group(experiments: list[Experiment], point: str) -> _Group:
    return _Group(
        len(experiments),
        sum(e.duration_ns for e in experiments),
        sum(e.progress.get(point, 0) for e in experiments),
    )


def _fit_slope(points: list[CurvePoint]) -> float:
    """Least squares through the origin, each point weighted by its experiments."""
    denominator = sum(p.experiments * p.line_speedup**2 for p in points)
    numerator = sum(p.experiments * p.line_speedup * p.program_speedup for p in points)
    return numerator / denominator if denominator > 0 else 0.0


def choose_progress_point(profile: CozProfile) -> str | None:
    """The driver's ``aiopt_run`` if present, else the first throughput point seen."""
    if PROGRESS_POINT in profile.progress_points:
        return PROGRESS_POINT
    return profile.progress_points[0] if profile.progress_points else None


def causal_curves(profile: CozProfile, point: str) -> list[CausalCurve]:
    """Every selection's curve for progress point ``point``, most impactful (slope) first.

    Left out: selections without a baseline (no 0% experiment with progress in their
    context) and speedups without progress.
    """
    by_selection: dict[Selection, dict[float, list[Experiment]]] = defaultdict(
        lambda: defaultdict(list)
    )
    zero_by_context: dict[str, list[Experiment]] = defaultdict(list)
    for experiment in profile.experiments:
        by_selection[experiment.selection][experiment.speedup].append(experiment)
        if experiment.speedup == 0.0:
            zero_by_context[experiment.selection.base_key].append(experiment)
    curves: list[CausalCurve] = []
    for selection, by_speedup in by_selection.items():
        base = _group(zero_by_context[selection.base_key], point)
        period0 = base.period()
        if period0 is None or period0 <= 0:
            continue
        points: list[CurvePoint] = []
        for speedup in sorted(s for s in by_speedup if s > 0):
            group = _group(by_speedup[speedup], point)
            period = group.period()
            if period is not None:
                points.append(CurvePoint(speedup, (period0 - period) / period0, group.experiments))
        if points:
            slope = _fit_slope(points)
            curves.append(CausalCurve(selection, tuple(points), base.experiments, slope))
    return sorted(curves, key=lambda curve: curve.slope, reverse=True)


def _percent(fraction: float) -> str:
    return f"{abs(fraction):.0%} {'faster' if fraction >= 0 else 'slower'}"


def summarize(curve: CausalCurve, source: str = "") -> str:
    """The curve in one plain sentence, with the experiments behind it."""
    what = curve.selection.describe()
    if source:
        what += f" (`{source}`)"
    verb = "shorter" if curve.selection.scope and curve.selection.scope != "ON_CPU" else "faster"
    estimate = curve.slope * REFERENCE_SPEEDUP
    speedups = [point.line_speedup for point in curve.points]
    text = (
        f"making {what} {REFERENCE_SPEEDUP:.0%} {verb} makes the program {_percent(estimate)} "
        f"(Amdahl slope {curve.slope:.2f} fitted on {curve.experiments} experiments at "
        f"{len(speedups)} speedups {min(speedups):.0%}-{max(speedups):.0%}; baseline: "
        f"{curve.baseline_experiments} experiments at 0%)"
    )
    quotable = [point for point in curve.points if point.quotable]
    if quotable:
        measured = ", ".join(
            f"{p.line_speedup:.0%} -> {_percent(p.program_speedup)} ({p.experiments} exp.)"
            for p in quotable
        )
        text += f"; measured: {measured}"
    return text


def _thin_note(curves: list[CausalCurve]) -> list[str]:
    thin = [curve for curve in curves if not curve.claimable]
    if not thin:
        return []
    listed = ", ".join(f"{c.selection.describe()} ({c.experiments})" for c in thin[:8])
    more = f" and {len(thin) - 8} more" if len(thin) > 8 else ""
    return [
        f"not claimed, fewer than {MIN_LINE_EXPERIMENTS} experiments at non-zero speedups: "
        f"{listed}{more}"
    ]


def _source(sources: tuple[str, ...], selection: Selection) -> str:
    if selection.is_candidate_line and 1 <= selection.line <= len(sources):
        return sources[selection.line - 1].strip()
    return ""


def _hotspot(curve: CausalCurve, sources: tuple[str, ...]) -> LineHotspot:
    return LineHotspot(
        line=curve.selection.line,
        source=_source(sources, curve.selection),
        metrics={
            "line_speedup": REFERENCE_SPEEDUP,
            "program_speedup": round(curve.slope * REFERENCE_SPEEDUP, 4),
            "slope": round(curve.slope, 4),
            "experiments": float(curve.experiments),
            "baseline_experiments": float(curve.baseline_experiments),
        },
        rank_value=curve.slope,
    )


def profile_section(
    profile: CozProfile, sources: tuple[str, ...], *, label: str, profiler: str = "causal"
) -> ProfileSection:
    """A section from a parsed profile: candidate-line hotspots, all selections as notes."""
    point = choose_progress_point(profile)
    if point is None:
        return unavailable(profiler, "the profile has no throughput progress point")
    curves = causal_curves(profile, point)
    claimed = [curve for curve in curves if curve.claimable]
    on_candidate = [e for e in profile.experiments if e.selection.is_candidate_line]
    section = ProfileSection(
        profiler,
        True,
        label=label,
        figures={
            "runtime_s": round(profile.runtime_ns / 1e9, 2),
            "experiments": len(profile.experiments),
            "experiments_on_candidate_lines": len(on_candidate),
            "progress_points": ", ".join(profile.progress_points),
            "progress_point_used": point,
            "selections_claimed": len(claimed),
        },
        hotspots=[_hotspot(c, sources) for c in claimed if c.selection.is_candidate_line][
            :MAX_HOTSPOTS
        ],
        notes=[summarize(c, _source(sources, c.selection)) for c in claimed],
    )
    section.notes += _thin_note(curves)
    if any(curve.slope > 1.0 for curve in claimed):
        section.notes.append(
            "a slope above 1 is impossible for one thread: noise, or Coz splitting a tight "
            "loop's time between its lines; read neighbouring lines together"
        )
    if any(not c.selection.is_candidate_line and not c.selection.scope for c in claimed):
        section.notes.append(
            "lines of other files (e.g. stl_vector.h) are library code inlined into the "
            "candidate: the candidate lines that call it are where to act"
        )
    return section


def libcoz() -> Path | None:
    """Coz's runtime library, where its ``coz`` script looks for it."""
    coz = shutil.which("coz")
    if coz is None:
        return None
    prefix = Path(coz).resolve().parent
    for relative in ("../lib64/libcoz.so", "../lib/libcoz.so", "../lib64/coz-profiler/libcoz.so",
                     "../lib/coz-profiler/libcoz.so", "libcoz/libcoz.so"):  # fmt: skip
        if (prefix / relative).is_file():
            return (prefix / relative).resolve()
    return None


def _coz_environment(ctx: ProfileContext, runtime: Path, output: Path) -> dict[str, str]:
    """What ``coz run --binary-scope SO --output OUT`` sets, without its Python wrapper
    (the sandbox runs the driver itself, with no interpreter and no fork): the candidate
    preloaded, so that Coz maps its lines from the start, then Coz's runtime."""
    return {
        "LD_PRELOAD": f"{ctx.shared_object}:{runtime}",
        "COZ_BINARY_SCOPE": str(ctx.shared_object),
        "COZ_SOURCE_SCOPE": "%",
        "COZ_PROGRESS_POINTS": "",
        "COZ_OUTPUT": str(output),
    }


def _tail(text: str) -> str:
    lines = [line for line in _ANSI.sub("", text).splitlines() if line.strip()]
    return " | ".join(lines[-3:])[:400]


def run(ctx: ProfileContext) -> ProfileSection:
    """Runs the driver under Coz for ``ctx.budget`` seconds and reads the causal curves."""
    runtime = libcoz()
    if runtime is None:
        return unavailable("causal", "coz not found (Debian package coz-profiler)")
    # The candidate is preloaded, so its constructors run before the driver's own
    # sandbox: the launcher's must hold too (no fork; exec of the driver only).
    jail = tool_jail(
        ctx, "coz", "both", read=(Path("/proc/self"),), allow=("exec", "perf"),
        driver_allow=("perf",),
    )  # fmt: skip
    try:
        output = jail.scratch / "profile.coz"
        driver = driver_command(
            ctx.shared_object, ctx.inputs, seconds=ctx.budget, sandbox=jail.driver_args()
        )
        ran = run_jailed(
            driver, jail, timeout=ctx.timeout, env=_coz_environment(ctx, runtime, output)
        )
        containment = jail.containment()
        text = output.read_text(errors="replace") if output.is_file() else None
    finally:
        jail.remove()
    if not containment.full and ctx.require_containment:
        return unavailable("causal", f"containment {containment.summary()}: not run")
    ctx.containment_seen.append(containment)
    if ran.timed_out:
        return unavailable("causal", f"coz did not finish within {ctx.timeout:g} s")
    if text is None:
        return unavailable(
            "causal", f"coz wrote no profile (exit {ran.returncode}): {_tail(ran.stderr)}"
        )
    try:
        profile = parse_coz_profile(text)
    except CozProfileError as error:
        return unavailable("causal", f"unreadable Coz profile: {error}")
    on_candidate = sum(e.selection.is_candidate_line for e in profile.experiments)
    if not on_candidate:
        return unavailable(
            "causal",
            f"no Coz experiment on a candidate line in {ctx.budget:g} s "
            f"({len(profile.experiments)} experiments in all; exit {ran.returncode})",
        )
    section = profile_section(
        profile, ctx.source_lines, label=f"causal profile by Coz, {ctx.budget:g} s of runs"
    )
    if not section.available:
        return section
    if not section.hotspots:
        return unavailable(
            "causal",
            f"{on_candidate} Coz experiments on candidate lines in {ctx.budget:g} s, but no "
            f"line had {MIN_LINE_EXPERIMENTS} at non-zero speedups: raise the causal budget",
        )
    section.figures["budget_s"] = ctx.budget
    if ran.returncode != 0:
        section.notes.append(f"the profiled driver exited with status {ran.returncode}")
    return section


def load_bcoz_profile(path: Path, sources: tuple[str, ...] = ()) -> ProfileSection:
    """A section from a BCOZ (or Coz) profile made elsewhere (BCOZ needs a patched kernel).

    Blocked-time selections (I/O, lock, ...) appear as notes such as "making I/O waits 20%
    shorter makes the program 9% faster"; candidate lines also as hotspots (with their
    text when ``sources`` gives the candidate's lines).
    """
    recorded = read_recorded(path, parse_coz_profile, "causal", "BCOZ profile")
    if isinstance(recorded, ProfileSection):
        return recorded
    profile, name = recorded
    if not profile.experiments:
        return unavailable("causal", f"{name} holds no experiments")
    return profile_section(profile, sources, label=f"causal profile read from {name} (BCOZ/Coz)")
