"""Issue 11's figures: what one evolution iteration costs and yields, before and after.

Two builds of the harness (``--before PYTHON:ROOT``, ``--after PYTHON:ROOT``; the after
build defaults to this interpreter and checkout) are measured in one run:

1. **Evaluation seconds.** For each task, ``--evaluations`` evaluator calls per build with
   the profile off and on, alternating between the builds call by call (so that slow
   periods of the machine hit both): a fresh copy of the initial program each time (a
   new comment in its EVOLVE block, so it is compiled and checked anew), after one
   evaluation that sets the run's best score. Median and range, and how many calls ran
   a confirmation compare (a state whose best score no copy beats).
2. **Iterations.** For each task, ``aiopt evolve TASK --iterations N`` of each build with
   the embedded model (profile on, the README's main job), the builds taking turns task
   by task. Per iteration: LLM seconds (wall time of the iteration minus its evaluation),
   prompt and completion tokens, completion tokens per LLM second, and the outcome. A change is
   *valid* when it is correct and differs from its parent beyond comments and whitespace;
   both builds' traces are judged by this checkout's code.

A build is ``PYTHON[:ROOT[:EVOLVE ARGS]]``: the same checkout twice with different
``aiopt evolve`` options compares those (e.g. ``--before .venv/bin/python:.:--no-constrained``:
the embedded model asked as before issue 21, one free-form answer and a repair round).
The table gives, per build, valid changes per hour of iteration time (the wall time of
the iterations whose start is known: every one but each run's first) and the share of
iterations with a valid change, and per iteration of a constrained run the answers asked
and passed by the filter.

Usage (about 1.5 min per iteration before, 0.5 min after, on 2 cores):
    python bench/iteration_speed.py --before /work/old/.venv/bin/python:/work/old \
        --tasks matmul,lz_compress,cache_policy --iterations 20
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from aiopt_harness.evolve.iteration_log import merge_iteration_log  # noqa: E402
from aiopt_harness.evolve.repair import read_journal  # noqa: E402
from aiopt_harness.evolve.sampling import read_samples  # noqa: E402

EVALUATE = """
import json, sys, time
from aiopt_harness.evolve.evaluator import EvaluatorSettings, evaluate_program
program, task, state, profile = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
started = time.monotonic()
result = evaluate_program(program, EvaluatorSettings(task=task, profile=profile, state_dir=state))
seconds = time.monotonic() - started
last = open(state + "/evaluations.jsonl").read().splitlines()[-1]
record = json.loads(last)
print(json.dumps({"seconds": seconds, "status": result.metrics["status"],
                  "confirmed": result.metrics.get("confirmed"), "stages": record.get("stages"),
                  "profile_chars": record.get("profile_chars")}))
"""


@dataclass
class Build:
    name: str
    python: str
    root: Path
    evolve_args: tuple[str, ...] = ()  # e.g. ("--repairs", "0")

    @classmethod
    def parse(cls, name: str, spec: str) -> Build:
        """``PYTHON[:ROOT[:EVOLVE ARGS]]``, e.g. ``.venv/bin/python:.:--repairs 0``."""
        python, _, rest = spec.partition(":")
        root, _, extra = rest.partition(":")
        return cls(name, python, Path(root or ROOT), tuple(extra.split()))

    def evaluate(self, program: Path, task: str, state: Path, profile: bool) -> dict[str, Any]:
        done = subprocess.run(
            [self.python, "-c", EVALUATE, str(program), task, str(state), "1" if profile else "0"],
            capture_output=True, text=True, cwd=self.root,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"{self.name}: evaluation failed: {done.stderr[-2000:]}")
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        return result

    def evolve(self, task: str, iterations: int, output: Path, max_tokens: int | None) -> float:
        command = [self.python, "-m", "aiopt_harness.cli", "evolve", task,
                   "--iterations", str(iterations), "--output", str(output)]  # fmt: skip
        if max_tokens:
            command += ["--max-tokens", str(max_tokens)]
        command += self.evolve_args
        started = time.monotonic()
        with (output.parent / f"{output.name}.log").open("w") as log:
            subprocess.run(command, cwd=self.root, stdout=log, stderr=subprocess.STDOUT)
        return time.monotonic() - started


def variant(source: str, number: int) -> str:
    """The program with an unused constant added to its EVOLVE block: a new translation
    unit (compiled and checked anew) that runs the same code."""
    marker = "// EVOLVE-BLOCK-END"
    line = f"[[maybe_unused]] static const long long aiopt_bench_variant = {number}LL;\n"
    return source.replace(marker, line + marker, 1)


def _median(values: list[float]) -> str:
    if not values:
        return "n/a"
    return f"{statistics.median(values):.2f} [{min(values):.2f}-{max(values):.2f}]"


def evaluation_table(builds: list[Build], tasks: list[str], count: int, scratch: Path) -> None:
    print(f"\n## Evaluation seconds (one evaluator call, compile included; {count} calls each)")
    print("median [min-max]; no call is a new best (so none runs the confirmation compare)")
    print(f"{'task':<13}{'profile':<9}" + "".join(f"{b.name:<28}" for b in builds))
    for task in tasks:
        source = (ROOT / "programs" / task / "initial.cpp").read_text()
        states = {b.name: scratch / f"state-{b.name}-{task}" for b in builds}
        for build in builds:
            # A best score no copy beats: every call is an ordinary evaluation, without the
            # confirmation compare that a new best gets (its cost is that of one more
            # compare, shown in the stages of the after build).
            states[build.name].mkdir(parents=True, exist_ok=True)
            (states[build.name] / "best.json").write_text('{"score": 1e9, "program": "-"}')
        for profile in (False, True):
            seconds: dict[str, list[float]] = {b.name: [] for b in builds}
            for number in range(count):
                for build in builds:
                    program = scratch / f"{task}-{build.name}-{int(profile)}-{number}.cpp"
                    # distinct per build too: the builds share the compile cache
                    serial = number + 1000 * profile + 100_000 * builds.index(build)
                    program.write_text(variant(source, serial + int(time.time()) * 10**6))
                    result = build.evaluate(program, task, states[build.name], profile)
                    if result["status"] != "ok":
                        raise RuntimeError(f"{build.name} {task}: {result['status']}")
                    seconds[build.name].append(result["seconds"])
                    if result.get("stages"):
                        print(f"    {build.name} {task} profile={profile}: {result['stages']}")
            cells = "".join(f"{_median(seconds[b.name]):<28}" for b in builds)
            print(f"{task:<13}{'on' if profile else 'off':<9}{cells}", flush=True)


def _evaluation_seconds(state: Path) -> dict[str, float]:
    seconds: dict[str, float] = {}
    path = state / "evaluations.jsonl"
    if path.is_file():
        for line in path.read_text().splitlines():
            record = json.loads(line)
            if record.get("sha256"):
                seconds[record["sha256"]] = float(record["seconds"])
    return seconds


def _timestamps(openevolve: Path) -> dict[int, float]:
    stamps: dict[int, float] = {}
    for name in ("evolution_trace.jsonl", "evolution_trace_failures.jsonl"):
        path = openevolve / name
        if path.is_file():
            for line in path.read_text().splitlines():
                record = json.loads(line)
                if isinstance(record.get("iteration"), int) and record.get("timestamp"):
                    stamps[record["iteration"]] = float(record["timestamp"])
    return stamps


def iteration_rows(output: Path) -> list[dict[str, Any]]:
    """Per iteration: outcome, valid, tokens, LLM seconds (wall time since the previous
    iteration ended, minus this iteration's evaluation)."""
    openevolve = output / "openevolve"
    merged = merge_iteration_log(
        openevolve,
        output / "bench-iterations.jsonl",
        read_journal(output / "state"),
        output / "state",
        read_samples(output / "state"),
    )
    records = [record.to_dict() for record in merged]  # as iterations.jsonl holds them
    evaluations = _evaluation_seconds(output / "state")
    stamps = _timestamps(openevolve)
    rows = []
    for record in records:
        iteration = record.get("iteration")
        if not isinstance(iteration, int) or iteration - 1 not in stamps:
            continue  # the first iteration's start is not recorded: no wall time
        wall = stamps[iteration] - stamps[iteration - 1]
        evaluation = evaluations.get(record.get("child_sha256") or "", 0.0)
        rows.append({**record, "wall": wall, "evaluation": evaluation, "llm": wall - evaluation})
    # The first iteration's tokens and outcome still count.
    counted = {row["iteration"] for row in rows}
    rows += [{**r, "wall": None, "evaluation": None, "llm": None} for r in records
             if r.get("iteration") not in counted]  # fmt: skip
    return rows


def _present(rows: list[dict[str, Any]], key: str) -> list[float]:
    return [float(r[key]) for r in rows if r.get(key)]


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    timed = [r for r in rows if r["llm"] is not None]
    rates = [
        r["completion_tokens"] / r["llm"]
        for r in timed
        if r.get("completion_tokens") and r["llm"] > 0
    ]
    outcomes: dict[str, int] = {}
    for row in rows:
        outcomes[row["outcome"]] = outcomes.get(row["outcome"], 0) + 1
    return {
        "iterations": len(rows),
        "valid": sum(1 for r in rows if r.get("valid")),
        # the iterations whose wall time is known, and their valid changes
        "timed_seconds": sum(r["wall"] for r in timed),
        "timed_valid": sum(1 for r in timed if r.get("valid")),
        "answers_asked": sum(int((r.get("samples") or {}).get("asked") or 0) for r in rows),
        "answers_passed": sum(int((r.get("samples") or {}).get("passed") or 0) for r in rows),
        "repaired": sum(1 for r in rows if r.get("repair")),
        "repaired_valid": sum(1 for r in rows if r.get("repair") and r.get("valid")),
        "wall": statistics.median([r["wall"] for r in timed]) if timed else None,
        "llm": statistics.median([r["llm"] for r in timed]) if timed else None,
        "prompt_tokens": statistics.median(_present(rows, "prompt_tokens") or [0]),
        "completion_tokens": statistics.median(_present(rows, "completion_tokens") or [0]),
        "tokens_per_s": statistics.median(rates) if rates else None,
        "outcomes": outcomes,
    }


def _fmt(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def run_iterations(
    builds: list[Build], tasks: list[str], iterations: dict[str, int], directory: Path,
    max_tokens: int | None,
) -> None:  # fmt: skip
    for task in tasks:  # the builds alternate task by task: a slow hour hits both
        for build in builds:
            output = directory / f"evolve-{build.name}-{task}"
            seconds = build.evolve(task, iterations[build.name], output, max_tokens)
            summary = summarize(iteration_rows(output))
            print(f"  {build.name} {task} ({seconds:.0f} s): {json.dumps(summary)}", flush=True)


def iteration_table(names: list[str], tasks: list[str], directory: Path) -> None:
    """The table of the runs in ``directory`` (evolve-BUILD-TASK), finished or not."""
    results: dict[tuple[str, str], dict[str, Any]] = {}
    for name in names:
        for task in tasks:
            output = directory / f"evolve-{name}-{task}"
            if (output / "openevolve").is_dir():
                results[(name, task)] = summarize(iteration_rows(output))
    print("\n## Iterations with the embedded model (aiopt evolve, profile on)")
    print("medians per iteration; LLM s = iteration wall time minus its evaluation; tok/s = "
          "completion tokens per LLM second; valid = correct and unlike its parent")  # fmt: skip
    print(f"{'task':<13}{'build':<8}{'iters':>6}{'valid':>12}{'iter s':>8}{'LLM s':>8}"
          f"{'prompt tok':>11}{'compl tok':>10}{'tok/s':>7}  outcomes")  # fmt: skip
    for task in tasks:
        for name in names:
            s = results.get((name, task))
            if s is None:
                print(f"{task:<13}{name:<8}  not run")
                continue
            share = f"{s['valid']} ({s['valid'] / s['iterations']:.0%})" if s["iterations"] else "0"
            repaired = f"; asked again {s['repaired']}, valid after it {s['repaired_valid']}"
            if s["answers_asked"]:
                repaired = f"; answers asked {s['answers_asked']}, passed {s['answers_passed']}"
            print(f"{task:<13}{name:<8}{s['iterations']:>6}{share:>12}{_fmt(s['wall']):>8}"
                  f"{_fmt(s['llm']):>8}{s['prompt_tokens']:>11.0f}{s['completion_tokens']:>10.0f}"
                  f"{_fmt(s['tokens_per_s']):>7}  {s['outcomes']}{repaired}")  # fmt: skip
    totals: dict[str, tuple[int, float, int, int]] = {}
    for name in names:
        rows = [results[(name, t)] for t in tasks if (name, t) in results]
        totals[name] = (
            sum(r["timed_valid"] for r in rows),
            sum(r["timed_seconds"] for r in rows),
            sum(r["valid"] for r in rows),
            sum(r["iterations"] for r in rows),
        )
        total = sum(r["iterations"] for r in rows)
        valid = sum(r["valid"] for r in rows)
        walls = [r["wall"] for r in rows if r["wall"] is not None]
        share = f"{valid / total:.0%}" if total else "n/a"
        seconds = sum(r["timed_seconds"] for r in rows)
        per_hour = sum(r["timed_valid"] for r in rows) * 3600 / seconds if seconds else None
        print(
            f"all tasks, {name}: {valid} valid of {total} iterations ({share}); "
            f"{_fmt(per_hour, 2)} valid changes per hour of iteration time "
            f"({sum(r['timed_valid'] for r in rows)} in {seconds / 60:.0f} min timed); "
            f"median iteration seconds per task {[round(w) for w in walls]}"
        )
    if "before" in totals and "after" in totals:
        (a_valid, a_s, a_all, a_n), (b_valid, b_s, b_all, b_n) = totals["after"], totals["before"]
        print(
            "after / before, valid changes per hour of iteration time: "
            f"{rate_ratio(a_valid, a_s, b_valid, b_s)} (exact 95% interval); shares of "
            f"iterations with a valid change: {share_test([a_all, b_all], [a_n, b_n])}"
        )


def rate_ratio(after: int, after_s: float, before: int, before_s: float) -> str:
    """after's rate of valid changes over before's, with its exact 95% interval: given
    the total count, after's share of it is binomial (Clopper-Pearson), and the rate
    ratio is share / (1 - share) * before_s / after_s."""
    from scipy.stats import beta

    total = after + before
    if total == 0 or after_s <= 0 or before_s <= 0:
        return "unavailable: no valid change in either build"
    low = beta.ppf(0.025, after, before + 1) if after > 0 else 0.0
    high = beta.ppf(0.975, after + 1, before) if before > 0 else 1.0
    scale = before_s / after_s

    def ratio(share: float) -> float:
        return math.inf if share >= 1.0 else share / (1.0 - share) * scale

    point = ratio(after / total)
    return f"{point:.2f}x [{ratio(low):.2f}, {ratio(high):.2f}]"


def share_test(valid: list[int], iterations: list[int]) -> str:
    """Fisher's exact test of the builds' shares of iterations with a valid change."""
    from scipy.stats import fisher_exact

    table = [[v, n - v] for v, n in zip(valid, iterations, strict=True)]
    return f"Fisher's exact p = {fisher_exact(table).pvalue:.2g}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", help="PYTHON:ROOT of the build before (omit: after only)")
    parser.add_argument("--after", default=f"{sys.executable}:{ROOT}")
    parser.add_argument("--tasks", default="matmul,lz_compress,cache_policy")
    parser.add_argument("--evaluations", type=int, default=5)
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument(
        "--before-iterations",
        type=int,
        default=None,
        help="iterations of the build before (default: --iterations)",
    )
    parser.add_argument("--max-tokens", type=int, default=None)
    parser.add_argument(
        "--parts",
        default="evaluations,iterations,report",
        help="evaluations, iterations (run aiopt evolve), report (the table of the runs "
        "in --keep, or of this run's)",
    )
    parser.add_argument("--keep", type=Path, default=None, help="keep the runs here")
    args = parser.parse_args()
    builds = ([Build.parse("before", args.before)] if args.before else []) + [
        Build.parse("after", args.after)
    ]
    tasks = args.tasks.split(",")
    iterations = {"before": args.before_iterations or args.iterations, "after": args.iterations}
    parts = args.parts.split(",")
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="aiopt-iteration-bench-") as scratch:
        if "evaluations" in parts:
            evaluation_table(builds, tasks, args.evaluations, Path(scratch))
        runs = args.keep or Path(scratch)
        if "iterations" in parts:
            run_iterations(builds, tasks, iterations, runs, args.max_tokens)
        if "report" in parts:
            names = (
                [b.name for b in builds] if args.before or not args.keep else ["before", "after"]
            )
            iteration_table(names, tasks, runs)


if __name__ == "__main__":
    main()
