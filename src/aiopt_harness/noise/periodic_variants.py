"""Builds of a program with periodic work: every ``period``-th call of a loaded copy does
its usual work and ``extra`` times more, as a hash table that rehashes as it grows, a
vector that reallocates or a cache rebuilt every N calls would. Its true mean cost per
call is ``(period + extra) / period`` times the program's, while most of its calls cost
exactly what the program's do: a score read from the fastest calls misses it.

Works on any program whose EVOLVE block defines ``static void multiply(int n, const
double* a, const double* b, double* c)`` (matmul's initial program and its variants)."""

from __future__ import annotations

import re

PERIODIC = """
static void multiply_base(int n, const double* a, const double* b, double* c);
static unsigned long aiopt_periodic_calls = 0;
static void multiply(int n, const double* a, const double* b, double* c) {{
  multiply_base(n, a, b, c);
  if (++aiopt_periodic_calls % {period} == 0) {{  // every {period}th call: {extra}x more work
    for (int r = 0; r < {extra}; ++r) {{
      asm volatile("" : : "r"(c) : "memory");  // C is read again: no call is elided
      multiply_base(n, a, b, c);
    }}
  }}
}}
"""


def periodic_work(source: str, period: int, extra: int) -> str:
    """``source`` whose multiply() also runs ``extra`` more times every ``period``-th
    call (per loaded copy: the counter lives in the copy's own memory)."""
    if period < 1 or extra < 0:
        raise ValueError("period must be >= 1 and extra >= 0")
    renamed, found = re.subn(
        r"\bstatic void multiply\(", "static void multiply_base(", source, count=1
    )
    if not found:
        raise ValueError("no 'static void multiply(' in the source")
    end = renamed.index("// EVOLVE-BLOCK-END")
    end = renamed.index("\n", end) + 1
    return renamed[:end] + PERIODIC.format(period=period, extra=extra) + renamed[end:]


def mean_cost_factor(period: int, extra: int) -> float:
    """The periodic build's mean cost per call over the program's."""
    return (period + extra) / period
