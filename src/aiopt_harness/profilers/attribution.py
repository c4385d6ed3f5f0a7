"""Where a call stack lands in the candidate's source: the attribution rules every
stack-based figure (sampled time, page faults, blocked time) shares.

- Frames are walked from the leaf out; each frame of the candidate's shared object is
  expanded into its DWARF inline chain (innermost inlined code first), so code inlined
  into another function counts as its own line.
- A caller's frame holds a return address, the instruction after the call: it is looked
  up one byte earlier, inside the call, or a call that ends an inlined function would be
  charged to the line after it, in the function it was inlined into.
- A frame a tail call removed (a function of the candidate that ends by jumping to
  another) has been put back before these rules run (``tail_calls``), so that the jump's
  line inside the block is on the stack.
- The sample lands on the innermost line inside the EVOLVE block; library code, and code
  of the candidate outside the block (the ABI wrapper, fixed helpers), is charged to the
  block's line that called it. Only a stack with no line inside the block lands on its
  innermost candidate line, outside the block.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .perf_script import Frame, Sample
from .shared import CANDIDATE_FILE, Location

BLOCK_START = re.compile(r"//\s*EVOLVE-BLOCK-START")
BLOCK_END = re.compile(r"//\s*EVOLVE-BLOCK-END")


@dataclass(frozen=True)
class EvolveBlocks:
    """The line ranges between EVOLVE-BLOCK markers; a source without markers is all one
    block (every line may change)."""

    ranges: tuple[tuple[int, int], ...]  # (first, last) line, inclusive

    @staticmethod
    def of(source_lines: Sequence[str]) -> EvolveBlocks:
        ranges: list[tuple[int, int]] = []
        start: int | None = None
        for number, text in enumerate(source_lines, start=1):
            if BLOCK_START.search(text):
                start = number + 1
            elif BLOCK_END.search(text) and start is not None:
                ranges.append((start, number - 1))
                start = None
        return EvolveBlocks(tuple(ranges))

    def inside(self, line: int) -> bool:
        return not self.ranges or any(first <= line <= last for first, last in self.ranges)


def lookup_address(frame: Frame, depth: int) -> int:
    """The address to resolve for a frame: the leaf's own, a caller's return address - 1."""
    return frame.address - 1 if depth > 0 and frame.address > 0 else frame.address


def lookup_addresses(samples: Iterable[Sample], candidate_dso: str) -> set[int]:
    """Every address of the candidate's shared object the samples need resolved."""
    return {
        lookup_address(frame, depth)
        for sample in samples
        for depth, frame in enumerate(sample.frames)
        if frame.dso == candidate_dso
    }


@dataclass(frozen=True)
class Attribution:
    """Where one sample lands."""

    line: int | None  # the line it is charged to (see the module's rules)
    on_line: bool  # the leaf instruction itself is on that line
    leaf: str  # the leaf, named for the outside shares (see _leaf_name)
    inside_block: bool = True  # the line is inside the EVOLVE block


def _leaf_name(frame: Frame, chain: Sequence[Location], candidate_dso: str) -> str:
    """``symbol [dso]``, or ``symbol [header in candidate]`` for inlined library code."""
    if frame.dso != candidate_dso:
        return f"{frame.symbol} [{Path(frame.dso).name}]"
    where = Path(chain[0][0]).name if chain else "?"
    return f"{frame.symbol} [{where} in candidate]"


def _candidate_lines(
    sample: Sample, candidate_dso: str, chains: Mapping[int, tuple[Location, ...]]
) -> list[tuple[int, int]]:
    """(depth, line) of every candidate.cpp line on the stack, innermost first."""
    found: list[tuple[int, int]] = []
    for depth, frame in enumerate(sample.frames):
        if frame.dso != candidate_dso:
            continue
        for path, line in chains.get(lookup_address(frame, depth), ()):
            if Path(path).name == CANDIDATE_FILE and line > 0:
                found.append((depth, line))
    return found


def called_frames(
    sample: Sample, candidate_dso: str, chains: Mapping[int, tuple[Location, ...]]
) -> tuple[Frame, ...]:
    """The frames leafward of the innermost one with a candidate.cpp line: the code that
    line called (library code, out-of-line template instances)."""
    lines = _candidate_lines(sample, candidate_dso, chains)
    return sample.frames[: lines[0][0]] if lines else ()


def attribute(
    sample: Sample,
    candidate_dso: str,
    chains: Mapping[int, tuple[Location, ...]],
    blocks: EvolveBlocks | None = None,
) -> Attribution:
    """The line ``sample`` is charged to, by the module's rules."""
    if not sample.frames:
        return Attribution(None, False, "[no stack]")
    leaf = sample.frames[0]
    leaf_chain = chains.get(leaf.address, ()) if leaf.dso == candidate_dso else ()
    name = _leaf_name(leaf, leaf_chain, candidate_dso)
    lines = _candidate_lines(sample, candidate_dso, chains)
    if not lines:
        return Attribution(None, False, name)
    evolve = blocks or EvolveBlocks(())
    depth, line = next(((d, n) for d, n in lines if evolve.inside(n)), lines[0])
    leaf_line = [n for p, n in leaf_chain[:1] if Path(p).name == CANDIDATE_FILE]
    on_line = depth == 0 and leaf_line == [line]
    return Attribution(line, on_line, name, evolve.inside(line))
