"""Calibration of ``compare`` on matmul, for one or more builds of the harness, side by side.

Each build is a Python interpreter with aiopt-harness installed and the checkout it was
installed from (its tasks; the previous build's candidate ABI may differ). Per build:

- A/A, one source: compare(initial, initial); the 95% interval should hold 1.0;
- A/A, layout-shifted builds: compare(initial, initial + an unrelated function of 64*k
  bytes placed before the code), k = 1..5; semantically identical, placed differently;
- 5% slower: the initial program plus 5% more rows computed into scratch (as baseline and
  as candidate, alternately): the interval must exclude 1.0 on the right side;
- 2% slower: the same with 2%: how often it is detected;
- the median relative half-width, and seconds per compare.

Compares alternate between the builds, so slow periods of the machine hit both alike.
The variants are made from each build's own initial.cpp (ABI-independent edits).

Usage: python bench/calibration.py [--runs 100] [--budget S] [--build PYTHON:ROOT ...]
(default: this interpreter and this checkout; see bench/builds.py)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from builds import Build

sys.path.insert(0, str(Path(__file__).resolve().parent / "comparisons"))
from kernels import slower

from aiopt_harness.noise.layout_variants import layout_shifted


@dataclass
class Subject:
    """One build and the variants made from its own initial.cpp."""

    build: Build
    variants: dict[str, Path] = field(default_factory=dict)
    results: dict[str, list[dict[str, float]]] = field(default_factory=dict)

    @property
    def task(self) -> Path:
        return self.build.root / "programs" / "matmul"

    def make_variants(self, directory: Path) -> None:
        initial = (self.task / "initial.cpp").read_text()
        directory.mkdir(parents=True)
        for k in range(1, 6):
            self.variants[f"shift{k}"] = directory / f"shift{k}.cpp"
            self.variants[f"shift{k}"].write_text(layout_shifted(initial, k))
        for percent in (2, 5):
            self.variants[f"slow{percent}"] = directory / f"slow{percent}.cpp"
            self.variants[f"slow{percent}"].write_text(slower(initial, percent))
        self.variants["initial"] = self.task / "initial.cpp"

    def compare(self, baseline: str, candidate: str, budget: float | None) -> dict[str, float]:
        options = {} if budget is None else {"budget": budget}
        return self.build.compare(
            self.variants[baseline], self.variants[candidate], self.task, **options
        )


def experiments(runs: int) -> list[tuple[str, str, str]]:
    """(experiment, baseline, candidate) for one pass over every experiment."""
    plan = []
    for run in range(runs):
        plan.append(("aa_same", "initial", "initial"))
        plan.append(("aa_layout", "initial", f"shift{run % 5 + 1}"))
        for percent in (5, 2):
            pair = ("initial", f"slow{percent}") if run % 2 == 0 else (f"slow{percent}", "initial")
            plan.append((f"slow{percent}", *pair))
    return plan


def summary(build: Subject, runs: int) -> list[str]:
    def covered(key: str) -> int:
        return sum(r["low"] <= 1.0 <= r["high"] for r in build.results.get(key, []))

    def detected(key: str) -> int:
        hits = 0
        for index, r in enumerate(build.results.get(key, [])):
            slower_is_candidate = index % 2 == 0
            hits += r["high"] < 1.0 if slower_is_candidate else r["low"] > 1.0
        return hits

    every = [r for rs in build.results.values() for r in rs]
    widths = [max(r["speedup"] / r["low"], r["high"] / r["speedup"]) - 1 for r in
              build.results.get("aa_same", []) + build.results.get("aa_layout", [])]  # fmt: skip
    return [
        f"{covered('aa_same')}/{runs}",
        f"{covered('aa_layout')}/{runs}",
        f"{detected('slow5')}/{runs}",
        f"{detected('slow2')}/{runs}",
        f"{statistics.median(widths):.2%}" if widths else "-",
        f"{statistics.median(r['seconds'] for r in every):.2f}" if every else "-",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--budget", type=float, default=None, help="default: compare's own")
    parser.add_argument("--build", action="append", default=[], metavar="PYTHON:ROOT")
    args = parser.parse_args()
    builds = [Subject(build) for build in Build.from_args(args.build)]
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="aiopt-calibration-") as scratch:
        for index, build in enumerate(builds):
            build.make_variants(Path(scratch) / str(index))
        plan = experiments(args.runs)
        for step, (name, baseline, candidate) in enumerate(plan):
            order = builds if step % 2 == 0 else list(reversed(builds))
            for build in order:
                result = build.compare(baseline, candidate, args.budget)
                build.results.setdefault(name, []).append(result)
            if (step + 1) % 20 == 0:
                print(f"  {step + 1}/{len(plan)} compares per build", flush=True)
    print()
    header = ["build", "A/A same", "A/A layout", "5% found", "2% found", "half-width",
              "s/compare"]  # fmt: skip
    print(" | ".join(header))
    print(" | ".join("---" for _ in header))
    for build in builds:
        label = f"{build.build.python} ({build.build.root})"
        print(" | ".join([label, *summary(build, args.runs)]))
    print(f"\nwall time {time.monotonic() - started:.0f} s; goals: A/A >= 95/100 in both, "
          "5% >= 95/100, median half-width <= 1.5%")  # fmt: skip


if __name__ == "__main__":
    main()
