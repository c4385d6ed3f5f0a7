"""Is the score valid? The mean-cost score, the same from wall times, and the best-case
figure it replaced, side by side from the same compares, quiet and loaded (issue 19).

Every compare is one session; all three estimates come from its calls: the score (per
copy pair the ratio of total call costs, ``statistics.mean_cost_ratio``, each call's cost
its wall time without the run-queue wait other processes caused, read from outside by
``sandbox/run_queue.py``), the same ratio from plain wall times (``wall_score``, the score
before that correction), and the best-case figure (per round the fastest call of each
program, median per pair, the score before issue 19).
Conditions alternate cell by cell: ``quiet`` (nothing else started) and ``loaded`` (two
busy loops at nice 19, free to run on any CPU, as in the issue's reports).

Parts (``--parts``):

- ``calibration`` (matmul, ``--trials`` per cell): A/A of one build, A/A of layout-shifted
  builds (an unrelated function of 64*k bytes before the code), a build 5% slower (each
  side in turn), and a build with periodic work (every 8th call 17x: mean cost 3x, true
  score 1/3): false positives, detection, median half-width, seconds per decision, and
  the periodic build's scores beside 1/3;
- ``aa_tasks``: an identical program on a short task (matmul, ~3 ms) and a long
  memory-bound one (tests/data/long_stream, ~20-40 ms): how often the interval holds 1.0;
- ``builds``: same algorithm, different machine code: the demo's zero-fill child and the
  memory_scan cheat's honest path against matmul's initial program (``--build-runs``
  each per condition): each interval beside the pooled estimate;
- ``particles``: A/A of particles' initial program under load (``--particles-runs``):
  every verdict ok, and how often the interval holds 1.0.

Raw results go to ``--output`` (JSON lines, one per compare), the tables to stdout.

Usage: python bench/score_validity.py [--trials 40] [--parts calibration aa_tasks ...]
"""

from __future__ import annotations

import argparse
import json
import math
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiopt_harness import compare
from aiopt_harness.common.statistics import stratified_pair_ratio
from aiopt_harness.noise.layout_variants import layout_shifted
from aiopt_harness.noise.periodic_variants import mean_cost_factor, periodic_work

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench" / "comparisons"))
from kernels import busy_loops, slower, zero_filled  # noqa: E402

MATMUL = ROOT / "programs" / "matmul"
PARTICLES = ROOT / "programs" / "particles"
LONG_STREAM = ROOT / "tests" / "data" / "long_stream"
MEMORY_SCAN = ROOT / "tests" / "data" / "cheats" / "memory_scan.cpp"
CONDITIONS = ("quiet", "loaded")
SCORES = (  # the figures every compare gives, side by side
    ("score", "mean cost, run-queue wait taken off (the score)"),
    ("wall_score", "mean cost by wall time (the score before the run-queue correction)"),
    ("best_case", "best case (the score before issue 19)"),
    ("pooled_df", "the score's estimate, interval with pooled strata (n - strata df)"),
)
PERIOD, EXTRA = 8, 16  # every 8th call 17x: mean cost 3x


@contextmanager
def condition(name: str) -> Iterator[None]:
    if name == "quiet":
        yield
        return
    with busy_loops([["nice", "-n", "19"], ["nice", "-n", "19"]]):
        yield


def variants(directory: Path) -> dict[str, Path]:
    initial = (MATMUL / "initial.cpp").read_text()
    sources = {
        "initial": initial,
        "slow5": slower(initial, 5),
        "periodic": periodic_work(initial, PERIOD, EXTRA),
        "zero_fill": zero_filled(initial),
        **{f"shift{k}": layout_shifted(initial, k) for k in range(1, 6)},
    }
    paths = {}
    for name, source in sources.items():
        paths[name] = directory / f"{name}.cpp"
        paths[name].write_text(source)
    paths["memory_scan"] = MEMORY_SCAN
    return paths


def one_compare(
    baseline: Path, candidate: Path, task: Path, budget: float | None, copies: int | None = None
) -> dict[str, Any]:
    started = time.monotonic()
    options: dict[str, Any] = {} if budget is None else {"budget": budget}
    if copies is not None:
        options["copies"] = copies
    r = compare(baseline, candidate, task=task, **options)  # type: ignore[arg-type]
    row: dict[str, Any] = {"status": r.status.value, "seconds": time.monotonic() - started}
    row["rounds"] = r.rounds  # over all pairs; each round is two timed calls per program
    if r.ok and r.speedup is not None and r.best_case is not None:
        row.update(
            score=[r.speedup, r.ci_low, r.ci_high],
            best_case=[r.best_case.estimate, r.best_case.low, r.best_case.high],
            machine_load=r.machine_load,
            run_queue_correction=r.run_queue_correction,
        )
        if r.wall_score is not None:
            row["wall_score"] = [r.wall_score.estimate, r.wall_score.low, r.wall_score.high]
        # the score's units: per copy pair its stratum and log(baseline / candidate cost)
        row["pairs"] = [
            [p.stratum, math.log(p.baseline_cost_ns / p.candidate_cost_ns)]
            for p in r.copy_pairs
            if p.baseline_cost_ns > 0 and p.candidate_cost_ns > 0
        ]
        pooled = pooled_interval(row["pairs"])
        if pooled is not None:
            row["pooled_df"] = pooled
    else:
        row["message"] = r.message
    return row


def parse_protocol(text: str) -> Protocol:
    """``COPIESxBUDGET``, e.g. ``24x2``: 24 copy pairs, a 2 s budget; ``default``:
    compare's own."""
    if text == "default":
        return Protocol(text, None, None)
    copies, _, budget = text.partition("x")
    return Protocol(text, int(copies), float(budget))


@dataclass(frozen=True)
class Protocol:
    name: str
    copies: int | None  # None: compare's own
    budget: float | None


DEFAULT = Protocol("default", None, None)


def pooled_interval(pairs: list[list[float]]) -> list[float] | None:
    """The score's interval with the strata's variances pooled: the same estimate and
    variance as the score, but n - strata degrees of freedom instead of
    Welch-Satterthwaite's (which with 3 pairs a stratum is often 3-5): a rule measured
    beside the score, not the score."""
    sizes = Counter(int(stratum) for stratum, _ in pairs)
    if len(sizes) < 2 or min(sizes.values()) < 2:
        return None  # stratified_pair_ratio would fall back to a plain t interval
    found = stratified_pair_ratio(
        [value for _, value in pairs], [int(stratum) for stratum, _ in pairs], pooled_df=True
    )
    return [found.estimate, found.low, found.high]


def plan(
    parts: list[str],
    trials: int,
    build_runs: int,
    particles_runs: int,
    protocols: tuple[Protocol, ...] = (DEFAULT,),
) -> list[dict[str, Any]]:
    """Every compare to run: (part, case, condition, trial, baseline, candidate, task),
    conditions alternating; the calibration once per protocol, protocols alternating."""
    steps: list[dict[str, Any]] = []
    for trial in range(trials):
        for cond in CONDITIONS:
            for protocol in protocols if "calibration" in parts else ():
                slow_first = trial % 2 == 1
                steps += [
                    dict(part="calibration", case="aa_same", a="initial", b="initial"),
                    dict(
                        part="calibration", case="aa_layout", a="initial", b=f"shift{trial % 5 + 1}"
                    ),
                    dict(
                        part="calibration",
                        case="slow5",
                        a="slow5" if slow_first else "initial",
                        b="initial" if slow_first else "slow5",
                        slower_side="a" if slow_first else "b",
                    ),
                    dict(part="calibration", case="periodic", a="initial", b="periodic"),
                ]
                for step in steps[-4:]:
                    step.update(condition=cond, trial=trial, task="matmul")
                    if protocol != DEFAULT:
                        step.update(protocol=protocol.name)
            if "aa_tasks" in parts and trial < max(20, trials // 2):
                for case, task in (("short", "matmul"), ("long", "long_stream")):
                    steps.append(
                        dict(
                            part="aa_tasks",
                            case=case,
                            a="initial",
                            b="initial",
                            condition=cond,
                            trial=trial,
                            task=task,
                        )
                    )
            if "builds" in parts and trial < build_runs:
                for case in ("zero_fill", "memory_scan"):
                    steps.append(
                        dict(
                            part="builds",
                            case=case,
                            a="initial",
                            b=case,
                            condition=cond,
                            trial=trial,
                            task="matmul",
                        )
                    )
        if "particles" in parts and trial < particles_runs:
            steps.append(
                dict(
                    part="particles",
                    case="aa_same",
                    a="initial",
                    b="initial",
                    condition="loaded",
                    trial=trial,
                    task="particles",
                )
            )
    return steps


def source_of(name: str, task: str, paths: dict[str, Path]) -> Path:
    if task == "particles":
        return PARTICLES / "initial.cpp"
    if task == "long_stream":
        return LONG_STREAM / "initial.cpp"
    return paths[name]


TASKS = {"matmul": MATMUL, "particles": PARTICLES, "long_stream": LONG_STREAM}


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    protocols = {p.name: p for p in args.protocols}
    steps = plan(
        args.parts, args.trials, args.build_runs, args.particles_runs, tuple(args.protocols)
    )
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="aiopt-score-validity-") as scratch:
        paths = variants(Path(scratch))
        started = time.monotonic()
        output = args.output.open("w") if args.output else None
        try:
            for index, step in enumerate(steps):
                protocol = protocols.get(step.get("protocol", "default"), DEFAULT)
                with condition(step["condition"]):
                    row = one_compare(
                        source_of(step["a"], step["task"], paths),
                        source_of(step["b"], step["task"], paths),
                        TASKS[step["task"]],
                        protocol.budget if protocol.budget is not None else args.budget,
                        protocol.copies,
                    )
                row.update(step)
                rows.append(row)
                if output:
                    output.write(json.dumps(row) + "\n")
                    output.flush()
                if (index + 1) % 10 == 0 or index + 1 == len(steps):
                    elapsed = time.monotonic() - started
                    left = elapsed / (index + 1) * (len(steps) - index - 1)
                    print(
                        f"  {index + 1}/{len(steps)} compares, {elapsed:.0f} s, "
                        f"about {left:.0f} s left",
                        flush=True,
                    )
        finally:
            if output:
                output.close()
    return rows


def _as_recorded(row: dict[str, Any]) -> dict[str, Any]:
    """A raw row read back: rows recorded before the run-queue correction (no
    ``run_queue_correction`` key) hold the mean cost by wall time under ``score``: it is
    their ``wall_score`` too, and the calibration table lists it only as that."""
    if "score" in row and "run_queue_correction" not in row:
        row["wall_score"] = row["score"]
        row["score_by_wall"] = True
    return row


def _holds(interval: list[float], value: float = 1.0) -> bool:
    return interval[1] <= value <= interval[2]


def _half_width(interval: list[float]) -> float:
    estimate, low, high = interval
    return max(estimate / low, high / estimate) - 1.0


def _busy(rows: list[dict[str, Any]]) -> str:
    """Median busy shares of the measuring CPU and the other CPUs over ``rows``."""
    parts = []
    for key in ("measuring_cpu_busy", "other_cpus_busy"):
        values = [
            r["machine_load"][key] for r in rows if r.get("machine_load", {}).get(key) is not None
        ]
        parts.append(f"{statistics.median(values):.0%}" if values else "unavailable")
    return ", ".join(parts)


def _rate(hits: int, n: int) -> str:
    return f"{hits}/{n} ({hits / n:.0%})" if n else "-"


def _calls_per_copy(rows: list[dict[str, Any]]) -> str:
    """Timed calls per copy (two per round): a copy shows a period's heavy calls only in
    whole numbers, so with few calls the score depends on the phase of the period."""
    counts = sorted({2 * r["rounds"] // len(r["pairs"]) for r in rows if r.get("pairs")})
    return f", {'/'.join(map(str, counts))} calls a copy" if counts else ""


def calibration_table(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        "score | protocol | condition | A/A same: false positives | A/A layout: false "
        "positives | 5% detected | median half-width (layout) | run-to-run sd (layout) | "
        "periodic 3x: median [max] score (true 0.333) | failed | s/decision | CPUs busy: "
        "measuring, other (median)",
        " | ".join("---" for _ in range(12)),
    ]
    protocols = sorted(
        {r.get("protocol", "default") for r in rows if r["part"] == "calibration"},
        key=lambda name: (name != "default", name),
    )
    for key, label, protocol, cond in (
        (k, lab, p, c) for k, lab in SCORES for p in protocols for c in CONDITIONS
    ):
        cell = defaultdict(list)
        failed = 0
        for row in rows:
            if (
                row["part"] == "calibration"
                and row["condition"] == cond
                and row.get("protocol", "default") == protocol
            ):
                if row["status"] != "ok":
                    failed += 1
                elif key in row and not (key == "score" and row.get("score_by_wall")):
                    cell[row["case"]].append(row)
        if not cell:
            continue  # not recorded (raw results from before that figure existed)
        aa = [not _holds(r[key]) for r in cell["aa_same"]]
        layout = [not _holds(r[key]) for r in cell["aa_layout"]]
        found = [
            (r[key][2] < 1.0) if r.get("slower_side") == "b" else (r[key][1] > 1.0)
            for r in cell["slow5"]
        ]
        widths = [_half_width(r[key]) for r in cell["aa_layout"]]
        logs = [math.log(r[key][0]) for r in cell["aa_layout"]]
        # the A/A-layout estimates' own spread from trial to trial: a 95% interval's
        # half-width should be about 1.96 of it (wider: the interval is conservative)
        sd = statistics.stdev(logs) if len(logs) > 1 else None
        periodic = [r[key][0] for r in cell["periodic"]]
        seconds = [r["seconds"] for rs in cell.values() for r in rs]
        lines.append(
            " | ".join(
                [
                    label,
                    protocol,
                    cond,
                    _rate(sum(aa), len(aa)),
                    _rate(sum(layout), len(layout)),
                    _rate(sum(found), len(found)),
                    f"{statistics.median(widths):.2%}" if widths else "-",
                    f"{sd:.2%}" if sd is not None else "-",
                    f"{statistics.median(periodic):.3f} [{max(periodic):.3f}]"
                    + _calls_per_copy(cell["periodic"])
                    if periodic
                    else "-",
                    str(failed),
                    f"{statistics.median(seconds):.2f}" if seconds else "-",
                    _busy([r for rs in cell.values() for r in rs]),
                ]
            )
        )
    truth = 1 / mean_cost_factor(PERIOD, EXTRA)
    lines.append(f"\nperiodic build: every {PERIOD}th call {EXTRA + 1}x, true score {truth:.3f}")
    return lines


def _spread(values: list[float]) -> str:
    if not values:
        return "-"
    return f"{statistics.median(values):.3f} [{min(values):.3f}, {max(values):.3f}]"


def aa_tasks_table(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        "task | condition | interval holds 1.0 (mean cost) | (pooled df) | (best case) | "
        "median estimate [min, max] | failed",
        " | ".join("---" for _ in range(7)),
    ]
    for case in ("short", "long"):
        for cond in CONDITIONS:
            cell = [
                r
                for r in rows
                if r["part"] == "aa_tasks" and r["case"] == case and r["condition"] == cond
            ]
            ok = [r for r in cell if "score" in r]
            if not cell:
                continue
            estimates = [r["score"][0] for r in ok]
            pooled = [r for r in ok if "pooled_df" in r]
            lines.append(
                " | ".join(
                    [
                        case,
                        cond,
                        _rate(sum(_holds(r["score"]) for r in ok), len(ok)),
                        _rate(sum(_holds(r["pooled_df"]) for r in pooled), len(pooled)),
                        _rate(sum(_holds(r["best_case"]) for r in ok), len(ok)),
                        _spread(estimates),
                        str(len(cell) - len(ok)),
                    ]
                )
            )
    return lines


def builds_table(rows: list[dict[str, Any]]) -> list[str]:
    lines = []
    for case in ("zero_fill", "memory_scan"):
        cell = [r for r in rows if r["part"] == "builds" and r["case"] == case and "score" in r]
        if not cell:
            continue
        pooled = math.exp(statistics.fmean(math.log(r["score"][0]) for r in cell))
        holding = sum(_holds(r["score"], pooled) for r in cell)
        lines.append(
            f"{case}: pooled estimate {pooled:.3f} (geometric mean of {len(cell)}); "
            f"intervals holding it {holding}/{len(cell)}"
        )
        for cond in CONDITIONS:
            shown = [
                f"{r['score'][0]:.3f} [{r['score'][1]:.3f}, {r['score'][2]:.3f}]"
                for r in cell
                if r["condition"] == cond
            ]
            busy = [
                r["machine_load"].get("other_cpus_busy")
                for r in cell
                if r["condition"] == cond and r.get("machine_load")
            ]
            known = [b for b in busy if b is not None]
            busy_text = (
                f"other CPUs busy {statistics.median(known):.0%}"
                if known
                else "other CPUs: unavailable"
            )
            lines.append(f"  {cond} ({busy_text}): " + ", ".join(shown))
        failed = [
            r for r in rows if r["part"] == "builds" and r["case"] == case and "score" not in r
        ]
        if failed:
            lines.append(f"  failed: {[(r['status'], r.get('message', '')[:80]) for r in failed]}")
    return lines


def particles_table(rows: list[dict[str, Any]]) -> list[str]:
    cell = [r for r in rows if r["part"] == "particles"]
    if not cell:
        return []
    ok = [r for r in cell if r["status"] == "ok"]
    holds = sum(_holds(r["score"]) for r in ok if "score" in r)
    statuses = sorted({r["status"] for r in cell})
    return [
        f"particles A/A beside two niced busy loops: {len(ok)}/{len(cell)} ok "
        f"(statuses: {', '.join(statuses)}); interval holds 1.0 in {holds}/{len(cell)}"
    ]


def main() -> None:
    # a kill ends the run through the finally blocks: no busy loop is left behind
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--build-runs", type=int, default=10)
    parser.add_argument("--particles-runs", type=int, default=30)
    parser.add_argument("--budget", type=float, default=None, help="default: compare's own")
    parser.add_argument(
        "--protocols",
        type=parse_protocol,
        nargs="+",
        default=[DEFAULT],
        help="calibration protocols side by side, COPIESxBUDGET each (e.g. 12x2 24x2 12x4); "
        "default: compare's own",
    )
    parser.add_argument(
        "--parts", nargs="+", default=["calibration", "aa_tasks", "builds", "particles"]
    )
    parser.add_argument("--output", type=Path, default=None, help="JSON lines, one per compare")
    parser.add_argument(
        "--summarize", type=Path, default=None, help="only print the tables of a run"
    )
    args = parser.parse_args()
    started = time.monotonic()
    rows = (
        [_as_recorded(json.loads(line)) for line in args.summarize.open()]
        if args.summarize
        else run(args)
    )
    print()
    for table in (calibration_table, aa_tasks_table, builds_table, particles_table):
        lines = table(rows)
        if lines:
            print("\n".join(lines) + "\n")
    print(f"wall time {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
