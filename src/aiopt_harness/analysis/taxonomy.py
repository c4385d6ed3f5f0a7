"""The mutation categories: SysGPT's principles and methodologies (Park et al., OSDI'25)
plus the labels that taxonomy leaves out, each with a short definition, and the diff of
a parent and a child program that every labeller reads."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from types import MappingProxyType

PRINCIPLES: tuple[str, ...] = ("removal", "replacement", "reordering")
METHODOLOGIES: tuple[str, ...] = (
    "batching",
    "caching",
    "precomputing",
    "deferring",
    "relaxation",
    "contextualization",
    "hardware_specialization",
    "layering",
)
# SysGPT excludes parallelism and algorithmic changes; a coding scheme for evolved
# programs also needs hints to the compiler, changes that do nothing, and fixes.
EXTRA_LABELS: tuple[str, ...] = (
    "algorithmic",
    "parallelism_simd",
    "compiler_hints",
    "refactor_noop",
    "bug_fix",
)
ALL_LABELS: tuple[str, ...] = PRINCIPLES + METHODOLOGIES + EXTRA_LABELS

DEFINITIONS: Mapping[str, str] = MappingProxyType(
    {
        "removal": (
            "Drop work that is unnecessary: redundant computation, copies, allocations, "
            "clearing, or iterations (an early exit included)."
        ),
        "replacement": (
            "Keep the same steps but do them with cheaper operations or data structures "
            "(a multiply for a divide, memmove for element-wise inserts, a better hash)."
        ),
        "reordering": (
            "Do the same work in a cheaper order: loop interchange, moved statements, "
            "access order changed for locality, contention or pipelining."
        ),
        "batching": (
            "Group many small operations into fewer large ones to amortize a fixed cost "
            "(blocked/tiled loops, one append instead of many, one allocation for many)."
        ),
        "caching": (
            "Memoize results or keep state and reuse it across calls, iterations or "
            "accesses instead of recomputing it (memo tables, kept history)."
        ),
        "precomputing": (
            "Do work early or ahead of time, off the critical path: lookup tables, "
            "transposed or packed copies, values hoisted out of loops."
        ),
        "deferring": (
            "Delay work until it is needed, or until it proves unnecessary "
            "(lazy initialization, lazy updates, versioning instead of clearing)."
        ),
        "relaxation": (
            "Trade accuracy, exactness or guarantees for speed: lower precision, "
            "reassociated floating point, approximations, bounded or cut-short searches."
        ),
        "contextualization": (
            "Gather runtime information about the data or workload and use it to pick a "
            "cheaper or better path (fast paths, adaptive policies, detected patterns)."
        ),
        "hardware_specialization": (
            "Use specific hardware features or placement: SIMD intrinsics and vector "
            "types, prefetching, special instructions, cache-aware or aligned data layout."
        ),
        "layering": (
            "Change the structure of layers: bypass, remove or decouple an abstraction "
            "(raw buffers instead of containers, inline node storage, hot/cold split)."
        ),
        "algorithmic": (
            "Replace the algorithm or data structure with a different one, usually of "
            "different complexity (linear scan to binary search, LRU to ARC)."
        ),
        "parallelism_simd": (
            "Run work concurrently: threads, OpenMP, or data-parallel SIMD over several "
            "elements at once (vector types, intrinsics, explicit vectorization)."
        ),
        "compiler_hints": (
            "Tell the compiler something it cannot prove, without changing the algorithm: "
            "__restrict, inline/always_inline, [[likely]], __builtin_expect, #pragma GCC."
        ),
        "refactor_noop": (
            "A change with no effect on the generated work: comments, whitespace, "
            "formatting, or consistent renaming only."
        ),
        "bug_fix": (
            "Correct wrong behaviour of the parent (a wrong bound, a missing guard, a "
            "wrong result), whatever it does to speed."
        ),
    }
)


def mutation_diff(parent_code: str, child_code: str) -> str:
    """The unified diff (difflib, 3 lines of context, headers ``parent`` and ``child``)
    of two programs, every line ending in a newline; empty when they are equal."""
    lines = difflib.unified_diff(
        parent_code.splitlines(),
        child_code.splitlines(),
        fromfile="parent",
        tofile="child",
        n=3,
        lineterm="",
    )
    return "".join(line + "\n" for line in lines)
