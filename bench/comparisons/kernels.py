"""The kernels every protocol measures: the chain kernel (``chain/initial.cpp``, a
dependent chain of multiply-adds, about half a millisecond a call), layout-shifted builds
of it (A/A: the same code placed differently), and builds 2% and 5% slower (the same
function run again for a share of the steps; only a constant differs, so every build
compiles to the same instructions and the difference is the same in every layout).

``slower`` makes matmul's slower builds for bench/calibration.py (more rows computed into
scratch): on a machine where matmul's loop is sensitive to code alignment, their true
difference depends on the layout drawn."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
sys.path.insert(0, str(ROOT / "src"))
from aiopt_harness.noise.layout_variants import layout_shifted  # noqa: E402

TASK = Path(__file__).resolve().parent / "chain"
# Extra steps, in percent of the loop, run as a second call: the slower builds. run.py
# measures every build's true difference at the start of each run and reports it (here:
# 1% of extra steps made calls 0.99% slower, 3% 2.92%).
EXTRA_PERCENT = {2: 2, 5: 5}
LAYOUT_SHIFTS = 5

EXTRA_ROWS = """
static void multiply_base(int n, const double* a, const double* b, double* c);
static double aiopt_scratch[4096 * 16];
static void multiply(int n, const double* a, const double* b, double* c) {{
  multiply_base(n, a, b, c);
  const int rows = (n * {percent} + 99) / 100;  // {percent}% more work, into scratch
  multiply_base_rows(n, rows, a, b, aiopt_scratch);
  asm volatile("" : : "r"(aiopt_scratch) : "memory");
}}
"""
ROWS_FUNCTION = """
static void multiply_base_rows(int n, int rows, const double* a, const double* b, double* c) {
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < n; ++j) {
      double sum = 0.0;
      for (int k = 0; k < n; ++k) sum += a[i * n + k] * b[k * n + j];
      c[i * n + j] = sum;
    }
}
"""


def slower(source: str, percent: int) -> str:
    """multiply() renamed multiply_base; a new multiply() adds ``percent``% more rows."""
    renamed = re.sub(r"\bstatic void multiply\(", "static void multiply_base(", source, count=1)
    end = renamed.index("// EVOLVE-BLOCK-END")
    end = renamed.index("\n", end) + 1
    return renamed[:end] + ROWS_FUNCTION + EXTRA_ROWS.format(percent=percent) + renamed[end:]


MULTIPLY = "static void multiply(int n, const double* a, const double* b, double* c) {\n"
ZERO_FILL = "  for (int i = 0; i < n; ++i) std::fill(c + i * n, c + (i + 1) * n, 0.0);\n"
BUSY_LOOP = "while True:\n    pass\n"


def zero_filled(source: str) -> str:
    """matmul's program with C zero-filled before the same triple loop: the demo's one
    "valid change", the same algorithm in different machine code."""
    if MULTIPLY not in source:
        raise ValueError("no matmul multiply() in the source")
    source = source.replace(MULTIPLY, MULTIPLY + ZERO_FILL, 1)
    return source.replace("#include <cstring>\n", "#include <algorithm>\n#include <cstring>\n", 1)


@contextmanager
def busy_loops(prefixes: list[list[str]]) -> Iterator[None]:
    """One busy Python loop per command prefix (``["nice", "-n", "19"]``, ``["taskset",
    "-c", "0"]``), killed on the way out."""
    loops = [subprocess.Popen([*prefix, sys.executable, "-c", BUSY_LOOP]) for prefix in prefixes]
    try:
        time.sleep(0.3)
        yield
    finally:
        for loop in loops:
            loop.kill()
            loop.wait()


def more_steps(source: str, percent: int) -> str:
    """The chain kernel running ``percent``% more steps (only the constant changes)."""
    marker = "static volatile const int kExtraPercent = 0;"
    if marker not in source:
        raise ValueError("not the chain kernel: no kExtraPercent constant")
    return source.replace(marker, f"static volatile const int kExtraPercent = {percent};", 1)


@dataclass(frozen=True)
class Kernels:
    """Source files of the kernels, written into ``directory``."""

    initial: Path
    shifted: tuple[Path, ...]
    slow: dict[int, Path]

    @classmethod
    def write(cls, directory: Path, task: Path = TASK) -> Kernels:
        initial = (task / "initial.cpp").read_text()
        directory.mkdir(parents=True, exist_ok=True)
        shifted = []
        for k in range(1, LAYOUT_SHIFTS + 1):
            path = directory / f"shift{k}.cpp"
            path.write_text(layout_shifted(initial, k))
            shifted.append(path)
        slow = {}
        for nominal, percent in EXTRA_PERCENT.items():
            path = directory / f"slow{nominal}.cpp"
            path.write_text(more_steps(initial, percent))
            slow[nominal] = path
        return cls(task / "initial.cpp", tuple(shifted), slow)
