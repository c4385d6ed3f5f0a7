"""Stacks repaired for the candidate's tail calls (profilers/tail_calls.py).

perf-ninja's function_inlining_1 in a shared object: ``solution`` has external linkage,
so it is called through its PLT stub, and it ends with ``jmp qsort``; qsort's stack goes
straight back to the wrapper's ``solution(*copy)`` line outside the EVOLVE block.
"""

from __future__ import annotations

import itertools
import shutil
import subprocess
from pathlib import Path

import pytest

from aiopt_harness.profilers.attribution import EvolveBlocks, attribute, lookup_addresses
from aiopt_harness.profilers.mutation_context import HEADINGS, generate_mutation_context
from aiopt_harness.profilers.perf_script import Frame, Sample
from aiopt_harness.profilers.profiling import profile
from aiopt_harness.profilers.shared import CANDIDATE_FILE, Location, resolve_lines
from aiopt_harness.profilers.tail_calls import CandidateCode, read_code, restore_tail_calls
from tests.conftest import ROOT

LIBC = "/usr/lib/x86_64-linux-gnu/libc.so.6"
LAB = ROOT / "programs" / "perf_ninja" / "function_inlining_1" / "initial.cpp"

needs_binutils = pytest.mark.skipif(
    shutil.which("objdump") is None or shutil.which("g++") is None, reason="needs g++, binutils"
)


def _line_of(source: Path, text: str) -> int:
    return next(n for n, s in enumerate(source.read_text().splitlines(), 1) if text in s)


def _build(tmp_path: Path, source: Path = LAB) -> Path:
    include = next(ROOT.glob("src/**/aiopt.h")).parent
    shared = tmp_path / "candidate.so"
    command = ["g++", "-O2", "-g", "-std=c++17", "-fPIC", "-shared", f"-I{include}"]
    subprocess.run([*command, str(source), "-o", str(shared)], check=True)
    return shared


def _call_site(code: CandidateCode, callee_prefix: str) -> int:
    """The return address of the wrapper's call of ``callee_prefix``."""
    (address,) = [a for a, name in code.callees.items() if name.startswith(callee_prefix)]
    return address


@needs_binutils
def test_the_labs_tail_call_is_found(tmp_path: Path) -> None:
    code = read_code(_build(tmp_path), timeout=30)
    solution = next(f for f in code.functions if f.name.startswith("solution("))
    assert [j.target for j in solution.tail_jumps] == ["qsort"]
    assert _call_site(code, "solution(")  # called from aiopt_run, through the PLT


@needs_binutils
def test_qsorts_time_lands_on_the_qsort_line_inside_the_block(tmp_path: Path) -> None:
    shared = _build(tmp_path)
    dso = str(shared)
    code = read_code(shared, timeout=30)
    returns_to = _call_site(code, "solution(")
    unwound = Sample(
        0.0, "task-clock", 1, 1, 1,
        (Frame(0x9000, "msort_with_tmp", LIBC), Frame(0x9100, "qsort", LIBC),
         Frame(returns_to, "aiopt_run", dso)),
    )  # fmt: skip
    (repaired,) = restore_tail_calls([unwound], dso, code)
    # perf script prints a caller at its return address - 1 (inside the call): the same
    at_call = Sample(
        0.0, "task-clock", 1, 1, 1, (*unwound.frames[:2], Frame(returns_to - 1, "aiopt_run", dso))
    )
    assert restore_tail_calls([at_call], dso, code)[0].frames[2] == repaired.frames[2]
    assert [f.symbol.split("(")[0] for f in repaired.frames] == [
        "msort_with_tmp", "qsort", "solution", "aiopt_run"
    ]  # fmt: skip
    source_lines = LAB.read_text().splitlines()
    blocks = EvolveBlocks.of(source_lines)
    before = attribute(unwound, dso, _chains(shared, unwound, dso), blocks)
    after = attribute(repaired, dso, _chains(shared, repaired, dso), blocks)
    assert before.line == _line_of(LAB, "solution(*copy);") and not before.inside_block
    assert after.line == _line_of(LAB, "qsort(arr.data()") and after.inside_block


def _chains(shared: Path, sample: Sample, dso: str) -> dict[int, tuple[Location, ...]]:
    """Inline chains of the sample's candidate frames, the source named candidate.cpp as
    in a profile (addr2line names it as compiled here)."""
    chains = resolve_lines(shared, lookup_addresses([sample], dso), timeout=30)
    return {a: tuple((CANDIDATE_FILE, n) for _, n in c) for a, c in chains.items()}


@needs_binutils
def test_a_stack_that_still_holds_the_callee_is_left_alone(tmp_path: Path) -> None:
    shared = _build(tmp_path)
    dso = str(shared)
    code = read_code(shared, timeout=30)
    solution = next(f for f in code.functions if f.name.startswith("solution("))
    # a sample in solution's own first instruction (before its jump): nothing elided
    inside = Sample(
        0.0, "task-clock", 1, 1, 1,
        (Frame(solution.start, solution.name, dso),
         Frame(_call_site(code, "solution("), "aiopt_run", dso)),
    )  # fmt: skip
    assert restore_tail_calls([inside], dso, code) == (inside,)
    # a call whose callee makes no tail call (memcpy is external): nothing to restore
    memcpy_site = next(a for a, name in code.callees.items() if name == "memcpy")
    plain = Sample(
        0.0, "task-clock", 1, 1, 1,
        (Frame(0x9000, "__memmove_avx_unaligned", LIBC), Frame(memcpy_site, "aiopt_run", dso)),
    )  # fmt: skip
    assert restore_tail_calls([plain], dso, code) == (plain,)


@pytest.mark.skipif(shutil.which("perf") is None, reason="perf is not installed")
def test_the_labs_profile_names_the_qsort_line(tmp_path: Path) -> None:
    """The lab as a user profiles it: the sampled section's top line is the expert's
    line (the qsort call), and no line outside the block is named."""
    result = profile(LAB, task=LAB.parent, profilers=("sampling",), budget=1.0)
    assert result.status.value == "ok", result.message
    text = generate_mutation_context(result, max_chars=4000).text
    heading = text.index(HEADINGS["sampling"])
    section = itertools.takewhile(lambda e: e.startswith("  "), text[heading:].splitlines()[1:])
    entries = [e for e in section if e.startswith("  line ")]
    assert entries[0].startswith(f"  line {_line_of(LAB, 'qsort(arr.data()')} "), entries
    assert not any("outside the EVOLVE block" in e for e in entries), entries
