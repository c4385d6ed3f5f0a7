"""Each planted phenomenon's own figure stands at its planted line in the mutation context.

The candidates (tests/data/planted/) are matmul's initial program plus one bottleneck on a
line marked ``// planted: KIND``. Each is profiled as a user would (``profile()`` then
``generate_mutation_context()``), and the test reads the context text: the section's
line entry for the planted line must carry the phenomenon's figure.
"""

from __future__ import annotations

import os
import re
import shutil
from functools import cache

import pytest

from aiopt_harness.profilers.mutation_context import HEADINGS, generate_mutation_context
from aiopt_harness.profilers.profiling import profile
from tests.conftest import DATA, ROOT

PLANTED = DATA / "planted"
MATMUL = ROOT / "programs" / "matmul"

needs_perf = pytest.mark.skipif(shutil.which("perf") is None, reason="perf is not installed")
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="sched tracepoints need root")


def planted_line(name: str, kind: str) -> int:
    lines = (PLANTED / f"{name}.cpp").read_text().splitlines()
    (number,) = [n for n, text in enumerate(lines, 1) if f"// planted: {kind}" in text]
    return number


@cache
def context_text(name: str, profilers: tuple[str, ...], budget: float = 1.0) -> str:
    result = profile(PLANTED / f"{name}.cpp", task=MATMUL, profilers=profilers, budget=budget)
    assert result.status.value == "ok", result.message
    return generate_mutation_context(result, max_chars=4000).text


def section_lines(text: str, section: str) -> list[str]:
    """The indented lines under a section's heading in the context text."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(HEADINGS[section]))
    body = []
    for line in lines[start + 1 :]:
        if not line.startswith("  "):
            break
        body.append(line)
    return body


def figure_at(text: str, section: str, line: int, key: str) -> float:
    """The number after ``key`` on the section's entry for ``line`` (K/M suffixes read)."""
    entry = next(e for e in section_lines(text, section) if e.startswith(f"  line {line} "))
    match = re.search(rf"\b{key} ([0-9.]+)([KMG]?)", entry)
    assert match is not None, entry
    scale = {"": 1.0, "K": 1e3, "M": 1e6, "G": 1e9}[match.group(2)]
    return float(match.group(1)) * scale


def top_line(text: str, section: str) -> int:
    first = section_lines(text, section)[0]
    match = re.match(r"  line (\d+)", first)
    assert match is not None, first
    return int(match.group(1))


ON_CPU = ("counters", "sampling", "offcpu")


@needs_perf
def test_page_faults_stand_at_the_line_that_touches_fresh_pages() -> None:
    text = context_text("fresh_pages", ON_CPU)
    line = planted_line("fresh_pages", "page-faults")
    assert top_line(text, "page_faults") == line
    assert figure_at(text, "page_faults", line, "page_faults_per_call") > 1500  # 2048 pages


@needs_perf
@needs_root
@pytest.mark.parametrize(
    ("name", "kind", "cause"),
    [("naps", "sleep", "sleep_us"), ("handoff", "lock", "lock_us")],
)
def test_blocked_time_stands_at_its_line_by_cause(name: str, kind: str, cause: str) -> None:
    text = context_text(name, ON_CPU)
    line = planted_line(name, kind)
    assert figure_at(text, "offcpu", line, cause) > 300  # us per call (1 ms planted)


@needs_perf
@needs_root
def test_waiting_for_a_cpu_held_by_the_candidates_own_threads() -> None:
    text = context_text("own_threads", ON_CPU)
    line = planted_line("own_threads", "cpu-wait")
    assert figure_at(text, "offcpu", line, "cpu_wait_own_us") > 0
    assert "behind the candidate's own threads" in text


@needs_perf
def test_a_call_inside_inlined_code_is_charged_inside_the_evolve_block() -> None:
    """perf-ninja's function_inlining_1: qsort called at the end of a function inlined
    into the wrapper; its time belongs to the qsort line, not the wrapper's call."""
    text = context_text("inlined_qsort", ("sampling",))
    line = planted_line("inlined_qsort", "inlined-qsort")
    source = (PLANTED / "inlined_qsort.cpp").read_text().splitlines()
    wrapper = next(n for n, s in enumerate(source, 1) if "multiply(m->n, a, b, c);" in s)
    entries = section_lines(text, "sampling")
    assert figure_at(text, "sampling", line, "share") > 0
    assert not any(e.startswith(f"  line {wrapper} ") for e in entries)
    assert "outside the EVOLVE block" not in "\n".join(entries)


@needs_perf
@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed")
def test_library_misses_are_charged_to_the_line_that_calls_memset() -> None:
    # budget 4 s: cachegrind may take 10 s (2.5x) on this 16 MiB memset
    text = context_text("memset_misses", ("simulated", "sampling"), budget=4.0)
    line = planted_line("memset_misses", "ll-misses")
    assert top_line(text, "simulated") == line
    assert figure_at(text, "simulated", line, "LL_misses") > 200e3  # 16 MiB / 64 B = 262K


KINDS = ("page-faults", "sleep", "lock", "cpu-wait", "inlined-qsort", "ll-misses")


def test_the_planted_lines_are_inside_their_evolve_blocks() -> None:
    for path in sorted(PLANTED.glob("*.cpp")):
        text = path.read_text()
        (kind,) = [kind for kind in KINDS if f"// planted: {kind}" in text]
        source = text.splitlines()
        start = source.index("// EVOLVE-BLOCK-START") + 1
        end = source.index("// EVOLVE-BLOCK-END") + 1
        assert start < planted_line(path.stem, kind) < end
