"""Call stacks repaired where the candidate's code made a tail call.

A function that ends by calling another (``void solution(...) { qsort(...); }``) is
compiled to a jump (``jmp qsort``): its frame is gone before the callee runs, so an
unwound stack goes straight from qsort to the line that called ``solution``, which may
lie outside the EVOLVE block (the ABI wrapper). The cost would be charged to a line the
LLM may not edit, when the line to change is the tail call inside the block.

The repair reads the candidate's machine code (``objdump -d``): for a caller frame of the
candidate whose call instruction targets a function of the candidate (directly or through
its PLT stub) while the next frame inward is not inside that function, the function's
frame was elided by a tail call. A frame is put back for it, at the jump that made the
tail call: the one whose target is the inner frame's function (by address inside the
candidate, by name outside it), or the function's only tail jump; with several and no
match, at the function's entry. Chains of tail calls are followed (at most
``MAX_CHAIN`` functions). A restored frame holds the jump's address + 1, like any
caller's return address, so that the attribution rules look up the jump itself.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .driver import run_tool
from .errors import ToolFailedError
from .perf_script import Frame, Sample

MAX_CHAIN = 4
_FUNCTION = re.compile(r"^([0-9a-fA-F]+) <(.+)>:$")
_INSTRUCTION = re.compile(r"^\s+([0-9a-fA-F]+):\s+(?:(?:notrack|bnd)\s+)?(\w+)\s*(.*)$")
_DIRECT_TARGET = re.compile(r"^([0-9a-fA-F]+) <(.+)>$")
_PLT_SUFFIX = re.compile(r"@plt$")
_OFFSET_SUFFIX = re.compile(r"\+0x[0-9a-fA-F]+$")


@dataclass(frozen=True)
class TailJump:
    address: int  # of the jump instruction
    target: str  # the jumped-to function's name (without @plt)
    target_address: int  # the jumped-to address (a PLT stub for external code)


@dataclass(frozen=True)
class Function:
    start: int
    end: int  # exclusive: the next symbol's start
    name: str
    tail_jumps: tuple[TailJump, ...]

    def holds(self, address: int) -> bool:
        return self.start <= address < self.end


@dataclass(frozen=True)
class CandidateCode:
    """The candidate's functions and the callee of every direct call, from objdump. The
    lookups run for every caller frame of every sample: the indexes are built once."""

    functions: tuple[Function, ...]  # by start address
    callees: dict[int, str]  # return address (the instruction after a call) -> callee name
    call_starts: dict[int, int]  # return address -> the call instruction's own address
    _returns: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _starts: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _by_name: dict[str, Function] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_returns", tuple(sorted(self.callees)))
        object.__setattr__(self, "_starts", tuple(f.start for f in self.functions))
        by_name: dict[str, Function] = {}
        for function in self.functions:
            by_name.setdefault(function.name, function)  # the first, as a scan would
        object.__setattr__(self, "_by_name", by_name)

    def function_named(self, name: str) -> Function | None:
        return self._by_name.get(name)

    def callee_of(self, frame_address: int) -> str | None:
        """The callee of the direct call a caller's frame stands at: its return address,
        or (as perf script prints callers) any address inside the call instruction."""
        index = bisect.bisect_left(self._returns, frame_address)
        if index == len(self._returns):
            return None
        end = self._returns[index]
        return self.callees[end] if self.call_starts[end] <= frame_address else None

    def function_at(self, address: int) -> Function | None:
        index = bisect.bisect_right(self._starts, address) - 1
        found = self.functions[index] if index >= 0 else None
        return found if found is not None and found.holds(address) else None


def _target_name(operand: str) -> tuple[int, str] | None:
    match = _DIRECT_TARGET.match(operand.strip())
    if match is None:
        return None
    name = _PLT_SUFFIX.sub("", _OFFSET_SUFFIX.sub("", match.group(2)))
    return int(match.group(1), 16), name


def parse_objdump(text: str) -> CandidateCode:
    """Functions, their tail jumps and the callees of direct calls, from
    ``objdump -d -C --no-show-raw-insn`` text."""
    headers: list[tuple[int, str]] = []
    listing: list[tuple[int, str, str, int]] = []  # (address, mnemonic, operand, header)
    for line in text.splitlines():
        header = _FUNCTION.match(line)
        if header is not None:
            headers.append((int(header.group(1), 16), header.group(2)))
            continue
        instruction = _INSTRUCTION.match(line)
        if instruction is not None and headers:
            address = int(instruction.group(1), 16)
            listing.append((address, instruction.group(2), instruction.group(3), len(headers) - 1))
    ends = [start for start, _ in headers[1:]] + [max((a for a, *_ in listing), default=0) + 16]
    jumps: dict[int, list[TailJump]] = {}
    callees: dict[int, str] = {}
    call_starts: dict[int, int] = {}
    for index, (address, mnemonic, operand, owner) in enumerate(listing):
        target = _target_name(operand)
        if target is None:
            continue
        if mnemonic.startswith("call") and index + 1 < len(listing):
            callees[listing[index + 1][0]] = target[1]
            call_starts[listing[index + 1][0]] = address
        elif mnemonic == "jmp":
            start, end = headers[owner][0], ends[owner]
            if not start <= target[0] < end and "[clone" not in target[1]:
                jumps.setdefault(owner, []).append(TailJump(address, target[1], target[0]))
    functions = tuple(
        Function(start, ends[i], name, tuple(jumps.get(i, ())))
        for i, (start, name) in enumerate(headers)
        if "@plt" not in name and not name.startswith(".")
    )
    return CandidateCode(tuple(sorted(functions, key=lambda f: f.start)), callees, call_starts)


def read_code(shared_object: Path, timeout: float) -> CandidateCode:
    """The candidate's code, by one objdump run (binutils, as addr2line)."""
    command = ["objdump", "-d", "-C", "--no-show-raw-insn", str(shared_object)]
    result = run_tool(command, timeout=timeout)
    if result.timed_out or result.returncode != 0:
        raise ToolFailedError(f"objdump failed: {result.stderr[-300:] or 'timed out'}")
    return parse_objdump(result.stdout)


def _same_function(jump: TailJump, inner: Frame, code: CandidateCode, dso: str) -> bool:
    """Whether ``jump`` leads to the function ``inner`` is in."""
    if inner.dso != dso:
        return _OFFSET_SUFFIX.sub("", inner.symbol) == jump.target
    function = code.function_at(inner.address)
    if function is None:
        return False
    return jump.target == function.name or jump.target_address == function.start


def _pick_jump(function: Function, inner: Frame, code: CandidateCode, dso: str) -> int:
    """The address the restored frame stands at (see the module's rules)."""
    matching = [j for j in function.tail_jumps if _same_function(j, inner, code, dso)]
    if matching:
        return matching[0].address
    if len(function.tail_jumps) == 1:
        return function.tail_jumps[0].address
    return function.start


def _elided(caller: Frame, inner: Frame, code: CandidateCode, dso: str) -> list[Frame]:
    """The frames a tail call removed between ``caller`` and ``inner``, outermost first."""
    restored: list[Frame] = []
    name = code.callee_of(caller.address)
    while name is not None and len(restored) < MAX_CHAIN:
        function = code.function_named(name)
        if function is None or (inner.dso == dso and function.holds(inner.address)):
            break
        if not function.tail_jumps:
            break
        at = _pick_jump(function, inner, code, dso)
        restored.append(Frame(at + 1, function.name, dso))
        jump = next((j for j in function.tail_jumps if j.address == at), None)
        name = jump.target if jump is not None else None
    return restored


def restore_tail_calls(
    samples: Iterable[Sample], candidate_dso: str, code: CandidateCode
) -> tuple[Sample, ...]:
    """``samples`` with the frames of the candidate's tail calls put back."""
    repaired: list[Sample] = []
    for sample in samples:
        frames: list[Frame] = []
        changed = False
        for depth, frame in enumerate(sample.frames):
            if depth > 0 and frame.dso == candidate_dso:
                elided = _elided(frame, sample.frames[depth - 1], code, candidate_dso)
                frames.extend(reversed(elided))
                changed = changed or bool(elided)
            frames.append(frame)
        if changed:
            sample = Sample(
                sample.time, sample.event, sample.pid, sample.tid, sample.period,
                tuple(frames), sample.trace,
            )  # fmt: skip
        repaired.append(sample)
    return tuple(repaired)
