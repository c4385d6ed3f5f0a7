"""Does a busy *other* CPU change how code runs on the measuring CPU? (issue 19)

Same-algorithm builds of matmul (the demo's zero-fill child, the memory_scan cheat's
honest path) compared against its initial program as 1.07-1.26 on a quiet machine and
0.995-0.997 with busy loops beside them. If the guest's two vCPUs share a physical core
(SMT siblings on the host), a busy other vCPU takes half the core's front end and
execution ports, which can erase a difference in machine code that an idle sibling lets
show. This runs, alternating the states step by step in one run:

- ``idle``: nothing started on the other CPUs;
- ``busy``: one busy loop pinned to each CPU other than the measuring one (nice 0, so
  it runs all the time, as a sibling hyperthread's tenant would);

and per state: the initial program's median and mean call time (``measure``), and the
two builds' speedups against it (``compare``, the score and the best case), with the
other CPUs' busy share recorded by the harness.

Usage: python bench/sibling_cpu.py [--rounds 5] [--budget 2]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from aiopt_harness import compare, measure
from aiopt_harness.sandbox.cpu_lease import default_cpu

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench" / "comparisons"))
from kernels import busy_loops, zero_filled  # noqa: E402

MATMUL = ROOT / "programs" / "matmul"
MEMORY_SCAN = ROOT / "tests" / "data" / "cheats" / "memory_scan.cpp"


def zero_fill(directory: Path) -> Path:
    path = directory / "zero_fill.cpp"
    path.write_text(zero_filled((MATMUL / "initial.cpp").read_text()))
    return path


@contextmanager
def state(name: str, measuring_cpu: int) -> Iterator[None]:
    if name == "idle":
        yield
        return
    others = [cpu for cpu in sorted(os.sched_getaffinity(0)) if cpu != measuring_cpu]
    with busy_loops([["taskset", "-c", str(cpu)] for cpu in others]):
        yield


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--budget", type=float, default=2.0)
    args = parser.parse_args()
    cpu = default_cpu()
    rows: dict[str, dict[str, list[float]]] = {"idle": {}, "busy": {}}
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="aiopt-sibling-") as scratch:
        builds = {"zero_fill": zero_fill(Path(scratch)), "memory_scan": MEMORY_SCAN}
        for index in range(args.rounds):
            for name in ("idle", "busy") if index % 2 == 0 else ("busy", "idle"):
                with state(name, cpu):
                    timed = measure(MATMUL / "initial.cpp", task=MATMUL, budget=args.budget)
                    cell = rows[name]
                    if timed.ok and timed.time_ns is not None:
                        cell.setdefault("median_ms", []).append(timed.time_ns.median / 1e6)
                        cell.setdefault("mean_ms", []).append(timed.time_ns.mean / 1e6)
                        busy = timed.machine_load.get("other_cpus_busy")
                        if busy is not None:
                            cell.setdefault("other_busy", []).append(busy)
                    for build, path in builds.items():
                        r = compare(MATMUL / "initial.cpp", path, task=MATMUL, budget=args.budget)
                        if r.ok and r.speedup is not None and r.best_case is not None:
                            cell.setdefault(build, []).append(r.speedup)
                            cell.setdefault(f"{build} best", []).append(r.best_case.estimate)
            print(
                f"  round {index + 1}/{args.rounds}, {time.monotonic() - started:.0f} s", flush=True
            )
    keys = [
        "median_ms",
        "mean_ms",
        "other_busy",
        "zero_fill",
        "zero_fill best",
        "memory_scan",
        "memory_scan best",
    ]
    print("\nstate | " + " | ".join(keys))
    print(" | ".join("---" for _ in range(len(keys) + 1)))
    for name, cell in rows.items():
        shown = []
        for key in keys:
            values = cell.get(key, [])
            shown.append(
                f"{statistics.median(values):.3f} [{min(values):.3f}, {max(values):.3f}]"
                if values
                else "-"
            )
        print(f"{name} | " + " | ".join(shown))
    idle, busy = rows["idle"].get("median_ms"), rows["busy"].get("median_ms")
    if idle and busy:
        print(
            f"\ninitial program, busy other CPU / idle: "
            f"{statistics.median(busy) / statistics.median(idle):.3f}x "
            "(median call time; a shared physical core shows as > 1)"
        )


if __name__ == "__main__":
    main()
