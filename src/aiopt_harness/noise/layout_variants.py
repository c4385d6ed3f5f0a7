"""Layout-shifted builds of a program: the same code with an unrelated function of 64*k
bytes placed before the EVOLVE block, so that everything after it moves in memory (code
alignment, i-cache sets, branch-predictor aliasing). An A/A compare against one shows
what layout alone does to a measurement."""

from __future__ import annotations

SHIFT = (
    "__attribute__((used, noinline)) int aiopt_layout_shift_{k}(int x) {{\n"
    '  asm volatile(".skip {size}, 0x90");\n  return x + {k};\n}}\n\n'
)
MARKER = "// EVOLVE-BLOCK-START"


def layout_shifted(source: str, k: int) -> str:
    """``source`` with a 64*k-byte function before its EVOLVE block (or at its end)."""
    shift = SHIFT.format(k=k, size=64 * k)
    if MARKER in source:
        return source.replace(MARKER, shift + MARKER, 1)
    return source + "\n" + shift
