"""The protocol comparison: every protocol in ``PROTOCOLS`` decides the same A-against-B
questions on the same compiled kernels, in one run, quiet and with the other CPU loaded.

Per trial, for each condition and each scenario (A/A same build, A/A layout-shifted build,
B 5% slower, B 2% slower; in odd trials the slower build is the baseline, so "faster" is
the right answer), every protocol runs once, in a shuffled order; conditions alternate
within a trial, so slow periods of the machine hit all cells alike. Every protocol gets
the same ``--budget`` seconds of timed calls per decision.

Figures per protocol and condition: A/A false-positive rate (same build; layout-shifted
builds), detection rate of 5% and 2% (in the right direction), median relative interval
half-width where the protocol gives one, and median seconds per decision (whole decision:
process starts, checks, calls).

Usage: python bench/comparisons/run.py [--trials 40] [--budget 1.0] [--output DIR]
Results go to DIR/decisions.jsonl (appended; a rerun resumes) and DIR/table.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import aiopt
import google_benchmark
import nanobench
import pyperf
import pytest_benchmark
from decision import Decision
from kernels import TASK, Kernels

from aiopt_harness import compare
from aiopt_harness.common.cpus import cpus_beside_measurement, default_cpu

PROTOCOLS: dict[str, Callable[[Path, Path, float], list[Decision]]] = {
    "google_benchmark": google_benchmark.run,
    "pytest_benchmark": pytest_benchmark.run,
    "pyperf": pyperf.run,
    "nanobench": nanobench.run,
    "aiopt": aiopt.run,
    "aiopt_fast": aiopt.run_fast,
}
SCENARIOS = ("aa_same", "aa_layout", "slow5", "slow2")
CONDITIONS = ("quiet", "loaded")
# The second process of the loaded condition: streams a 64 MiB array through the caches
# and memory, pinned to the CPUs beside the measurement CPU.
LOAD = "import numpy as np\na = np.ones(1 << 23)\nwhile True:\n    a.sum()\n"


@contextmanager
def condition(name: str) -> Iterator[None]:
    if name == "quiet":
        yield
        return
    others = cpus_beside_measurement()
    if others is None:
        raise SystemExit("the loaded condition needs a CPU beside the measurement CPU")
    cpus = ",".join(str(c) for c in sorted(others))
    load = subprocess.Popen(["taskset", "-c", cpus, sys.executable, "-c", LOAD])
    try:
        time.sleep(0.5)
        if load.poll() is not None:
            raise SystemExit(f"the load process exited ({load.returncode})")
        yield
    finally:
        load.kill()
        load.wait()


def pair(kernels: Kernels, scenario: str, trial: int) -> tuple[Path, Path, str]:
    """(A, B, the right verdict) of ``scenario`` in ``trial``."""
    if scenario == "aa_same":
        return kernels.initial, kernels.initial, "same"
    if scenario == "aa_layout":
        return kernels.initial, kernels.shifted[trial % len(kernels.shifted)], "same"
    slow = kernels.slow[int(scenario.removeprefix("slow"))]
    return (
        (kernels.initial, slow, "slower") if trial % 2 == 0 else (slow, kernels.initial, "faster")
    )


def reference(kernels: Kernels, budget: float, say: Callable[[str], None]) -> dict[str, Any]:
    """Each build's true speedup against the initial one: a long compare (24 copy pairs),
    the yardstick the scenarios are named by."""
    builds = {"slow2": kernels.slow[2], "slow5": kernels.slow[5]}
    builds |= {f"shift{k + 1}": path for k, path in enumerate(kernels.shifted)}
    found = {}
    for name, path in builds.items():
        result = compare(kernels.initial, path, task=TASK, budget=budget, copies=24,
                         counters=False)  # fmt: skip
        if not result.ok or result.speedup is None:
            raise SystemExit(f"reference {name}: {result.status.value}: {result.message}")
        found[name] = {"speedup": result.speedup, "interval": [result.ci_low, result.ci_high]}
        say(f"reference: {name} speedup {result.speedup:.4f} "
            f"[{result.ci_low:.4f}, {result.ci_high:.4f}]")  # fmt: skip
    return found


def _done(path: Path) -> set[tuple[int, str, str, str]]:
    if not path.exists():
        return set()
    keys = set()
    for line in path.read_text().splitlines():
        record = json.loads(line)
        keys.add((record["trial"], record["condition"], record["scenario"], record["protocol"]))
    return keys


def run(trials: int, budget: float, output: Path, say: Callable[[str], None] = print) -> None:
    output.mkdir(parents=True, exist_ok=True)
    log = output / "decisions.jsonl"
    done = _done(log)
    rng = random.Random(20261202)
    started = time.monotonic()
    total = trials * len(CONDITIONS) * len(SCENARIOS) * len(PROTOCOLS)
    count = len(done)
    with tempfile.TemporaryDirectory(prefix="aiopt-comparisons-") as scratch:
        kernels = Kernels.write(Path(scratch))
        truth_path = output / "reference.json"
        if not truth_path.exists():
            truth_path.write_text(json.dumps(reference(kernels, 10.0, say), indent=2))
        for trial in range(trials):
            conditions = CONDITIONS if trial % 2 == 0 else tuple(reversed(CONDITIONS))
            for name in conditions:
                todo = [
                    (scenario, protocol)
                    for scenario in SCENARIOS
                    for protocol in PROTOCOLS
                    if (trial, name, scenario, protocol) not in done
                ]
                if not todo:
                    continue
                rng.shuffle(todo)
                with condition(name):
                    for scenario, protocol in todo:
                        a, b, expected = pair(kernels, scenario, trial)
                        try:
                            decisions = [d.to_dict() for d in PROTOCOLS[protocol](a, b, budget)]
                            error = None
                        except (RuntimeError, ValueError) as failure:
                            decisions, error = [], str(failure)
                        record = {
                            "trial": trial,
                            "condition": name,
                            "scenario": scenario,
                            "protocol": protocol,
                            "expected": expected,
                            "decisions": decisions,
                            "error": error,
                            "load": os.getloadavg()[0],
                        }
                        with log.open("a") as file:
                            file.write(json.dumps(record) + "\n")
                        count += 1
                elapsed = time.monotonic() - started
                say(
                    f"trial {trial + 1}/{trials} {name}: {count}/{total} decisions, "
                    f"{elapsed / 60:.1f} min"
                )
    table = summarize(log, output / "reference.json")
    (output / "table.md").write_text(table)
    say(table)


def _rate(hits: int, n: int) -> str:
    return f"{hits}/{n} ({hits / n:.0%})" if n else "-"


def summarize(log: Path, truth: Path | None = None) -> str:
    """The comparison table (markdown) from ``decisions.jsonl``, headed by the builds'
    true speedups (``reference.json``) when there are any."""
    cells: dict[tuple[str, str], dict[str, list[dict[str, Any]]]] = {}
    errors: dict[tuple[str, str], int] = {}
    for line in log.read_text().splitlines():
        record = json.loads(line)
        if record["error"]:
            key = (record["protocol"], record["condition"])
            errors[key] = errors.get(key, 0) + 1
        for decision in record["decisions"]:
            cell = cells.setdefault((decision["protocol"], record["condition"]), {})
            cell.setdefault(record["scenario"], []).append(
                decision | {"expected": record["expected"]}
            )
    header = [
        "protocol",
        "condition",
        "A/A same: false positives",
        "A/A layout: false positives",
        "5% detected",
        "2% detected",
        "median half-width",
        "s/decision",
    ]
    lines = [" | ".join(header), " | ".join("---" for _ in header)]
    for (protocol, name), cell in sorted(cells.items(), key=lambda kv: (kv[0][0], kv[0][1])):

        def wrong(scenario: str, cell: dict[str, list[dict[str, Any]]] = cell) -> str:
            rows = cell.get(scenario, [])
            return _rate(sum(r["verdict"] != "same" for r in rows), len(rows))

        def found(scenario: str, cell: dict[str, list[dict[str, Any]]] = cell) -> str:
            rows = cell.get(scenario, [])
            return _rate(sum(r["verdict"] == r["expected"] for r in rows), len(rows))

        every = [r for rows in cell.values() for r in rows]
        widths = [
            r["half_width"]
            for s in ("aa_same", "aa_layout")
            for r in cell.get(s, [])
            if r["half_width"] is not None
        ]
        width = f"{statistics.median(widths):.2%}" if widths else "none given"
        seconds = f"{statistics.median(r['seconds'] for r in every):.2f}"
        lines.append(
            " | ".join(
                [
                    protocol,
                    name,
                    wrong("aa_same"),
                    wrong("aa_layout"),
                    found("slow5"),
                    found("slow2"),
                    width,
                    seconds,
                ]
            )
        )
    head = ""
    if truth is not None and truth.exists():
        measured = json.loads(truth.read_text())
        head = (
            "True speedups (initial / build; a 10 s compare of 24 copy pairs): "
            + ", ".join(
                f"{name} {v['speedup']:.4f} [{v['interval'][0]:.4f}, {v['interval'][1]:.4f}]"
                for name, v in measured.items()
            )
            + "\n\n"
        )
    failed = "".join(
        f"\nFailed decisions: {protocol}, {name}: {count}"
        for (protocol, name), count in sorted(errors.items())
    )
    return head + "\n".join(lines) + "\n" + failed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--budget", type=float, default=1.0, help="timed seconds per decision")
    parser.add_argument("--output", type=Path, default=Path("bench-comparisons"))
    parser.add_argument("--summarize", action="store_true", help="only print the table")
    args = parser.parse_args()
    if args.summarize:
        print(summarize(args.output / "decisions.jsonl", args.output / "reference.json"))
        return
    print(f"measurement CPU {default_cpu()}; load on {sorted(cpus_beside_measurement() or [])}")
    run(args.trials, args.budget, args.output)


if __name__ == "__main__":
    main()
