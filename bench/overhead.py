"""The harness's own cost: per call on the empty candidate, and one evaluator call.

Per call, with and without perf counters, alternating in one invocation:
- the wall time of one empty ``aiopt_run`` as the worker records it (what a measurement
  of a candidate includes beyond its own work);
- the round trip of one call as the trusted side sees it (request written .. reply read:
  the input and output through the pipes, two wakeups);
- the whole cost per call of a session: input generation, the round trip, the output
  check and the /proc checks.
With ``--evaluator``, also the seconds of evaluator calls on matmul (the initial program
and the known-better one, profile off), the figure an OpenEvolve iteration pays.

Builds (``--build PYTHON:ROOT``, see bench/builds.py) alternate repeat by repeat, so a
slow period of the machine hits all of them alike; the last lines are the ratios.

Usage: python bench/overhead.py [--repeats 5] [--budget 0.5] [--evaluator] [--build ...]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from builds import Build

ROOT = Path(__file__).resolve().parent.parent
TASK = ROOT / "bench" / "empty_task"
EMPTY = ROOT / "bench" / "variants" / "empty.cpp"


PER_CALL = """
import json, statistics, sys, time
from pathlib import Path
from aiopt_harness import measure
root, budget, counters = Path(sys.argv[1]), float(sys.argv[2]), sys.argv[3] == "1"
started = time.monotonic()
r = measure(root / "bench/variants/empty.cpp", task=root / "bench/empty_task", budget=budget,
            counters=counters)
elapsed = time.monotonic() - started
assert r.time_ns is not None, r.message
print(json.dumps({"recorded": r.time_ns.median,
                  "round_trip": statistics.median(r.samples["observed_ns"].tolist()),
                  "session": elapsed * 1e9 / r.time_ns.n,
                  "containment": getattr(r, "containment", None)}))
"""


def per_call(repeats: int, budget: float, builds: list[Build]) -> None:
    """Each repeat runs every build in turn (fresh interpreters), with and without counters."""
    keys = ("recorded", "round_trip", "session")
    figures = {(b, c): {k: [] for k in keys} for b in range(len(builds)) for c in (False, True)}  # type: dict[tuple[int, bool], dict[str, list[float]]]
    containment: dict[int, str] = {}
    for _ in range(repeats):
        for b, build in enumerate(builds):
            for counters in (False, True):
                done = subprocess.run(
                    [build.python, "-c", PER_CALL, str(build.root), str(budget),
                     "1" if counters else "0"],
                    capture_output=True, text=True, check=True, cwd="/",
                )  # fmt: skip
                row = json.loads(done.stdout.strip().splitlines()[-1])
                for key in keys:
                    figures[(b, counters)][key].append(row[key])
                containment[b] = row["containment"] or "not reported (a build without it)"
    print("per call of the empty candidate (ns; medians over repeats):")
    print(f"  {'build':28} {'':17} {'recorded wall':>14} {'round trip':>11} {'whole session':>14}")
    for b, build in enumerate(builds):
        for counters in (False, True):
            label = "with counters" if counters else "without counters"
            row = figures[(b, counters)]
            print(
                f"  {str(build.root)[-28:]:28} {label:17} "
                f"{statistics.median(row['recorded']):14.0f} "
                f"{statistics.median(row['round_trip']):11.0f} "
                f"{statistics.median(row['session']):14.0f}"
            )
        print(f"  {'':28} containment: {containment[b]}")
    if len(builds) > 1:
        first = figures[(0, False)]
        for b in range(1, len(builds)):
            other = figures[(b, False)]
            ratios = ", ".join(
                f"{key} {statistics.median(other[key]) / statistics.median(first[key]):.2f}x"
                for key in keys
            )
            print(f"  build {b + 1} / build 1, without counters: {ratios}")
    print("(the recorded wall time is what a measurement adds to a candidate's own time;")
    print(" counter reads happen outside the worker's two clock readings)")


def evaluator_calls(repeats: int) -> None:
    from aiopt_harness.evolve.evaluator import evaluate_for_task

    matmul = ROOT / "programs" / "matmul"
    programs = {
        "initial": matmul / "initial.cpp",
        "better": ROOT / "tests" / "programs" / "matmul" / "better.cpp",
    }
    seconds: dict[str, list[float]] = {name: [] for name in programs}
    for _ in range(repeats):
        for name, program in programs.items():
            with tempfile.TemporaryDirectory() as state:
                started = time.monotonic()
                result = evaluate_for_task(
                    str(matmul), str(program), state_dir=state, profile=False
                )
                seconds[name].append(time.monotonic() - started)
                assert result.metrics["status"] == "ok", result.metrics
    print("seconds of one evaluator call on matmul (profile off; check, compare, confirm):")
    for name, values in seconds.items():
        print(f"  {name:8} median {statistics.median(values):.2f} s  (n={len(values)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--budget", type=float, default=0.5)
    parser.add_argument("--evaluator", action="store_true")
    parser.add_argument(
        "--build", action="append", default=[], help="PYTHON:ROOT of a build (repeatable)"
    )
    args = parser.parse_args()
    per_call(args.repeats, args.budget, Build.from_args(args.build))
    if args.evaluator:
        evaluator_calls(max(1, args.repeats // 2))


if __name__ == "__main__":
    main()
