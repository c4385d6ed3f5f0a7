"""The sampling (perf) profiler: perf script text, where a stack lands, and the real tool."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from aiopt_harness.profilers import sampling
from aiopt_harness.profilers.attribution import EvolveBlocks, attribute, lookup_addresses
from aiopt_harness.profilers.context import ProfileContext
from aiopt_harness.profilers.errors import ProfilerOutputError
from aiopt_harness.profilers.perf_script import Frame, Sample, parse_perf_script
from aiopt_harness.profilers.shared import candidate_line, parse_addr2line
from tests.conftest import DATA
from tests.profilers.contexts import profile_context

PROFILES = DATA / "profiles"
INNER_LOOP = range(21, 24)  # matmul initial.cpp: the k loop
SO = "/cache/so/candidate.so"
LIBC = "/usr/lib/x86_64-linux-gnu/libc.so.6"

SWITCH = (
    "prev_comm=aiopt-driver prev_pid=700 prev_prio=120 prev_state=S ==> "
    "next_comm=swapper/0 next_pid=0 next_prio=120"
)
SCRIPT = "\n".join(
    [
        "   700/700   10.000100:    1001001 task-clock/freq=999/: ",
        f"\t            1244 aiopt_run+0x54 ({SO})",
        f"\t           27249 __libc_start_call_main+0x79 ({LIBC})",
        "",
        "   700/700   10.000200:          6 page-faults/freq=999/: ",
        "",
        f"   700/700   10.000300:          1 sched:sched_switch: {SWITCH}",
        "\tffffffff82302a65 __schedule+0x525 ([kernel.kallsyms])",
        "\tffffffff8230aa1b do_nanosleep+0x7b ([kernel.kallsyms])",
        f"\t           d3e52 __nanosleep+0x12 ({LIBC})",
        f"\t            1300 aiopt_run+0x80 ({SO})",
        "",
        "   700/700   10.000310: PERF_RECORD_SWITCH OUT        ",
        "   700/700   10.000420: PERF_RECORD_SWITCH IN         ",
        "   700/701   10.000500: PERF_RECORD_SWITCH OUT preempt",
        "",
    ]
)


def test_perf_script_samples_and_switches() -> None:
    script = parse_perf_script(SCRIPT)
    events = [(s.event, s.tid, s.period, len(s.frames)) for s in script.samples]
    assert events == [
        ("task-clock", 700, 1001001, 2),
        ("page-faults", 700, 6, 0),
        ("sched:sched_switch", 700, 1, 4),
    ]
    assert "prev_state=S" in script.samples[2].trace
    assert script.samples[0].frames[0] == Frame(0x1244, "aiopt_run", SO)
    assert [(w.tid, w.out, w.preempt) for w in script.switches] == [
        (700, True, False),
        (700, False, False),
        (701, True, True),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("   1/1   1.5:    1 task-clock: \n\tgarbage without a dso\n\n", "stack frame"),
        ("\t    1244 aiopt_run+0x54 (/a.so)\n", "outside a sample"),
        ("   1/1   1.5:    1 task-clock: \n\t    1244 aiopt_run+0x54 (/a.so)", "truncated"),
    ],
)
def test_malformed_or_truncated_perf_script_is_a_clear_error(text: str, message: str) -> None:
    with pytest.raises(ProfilerOutputError, match=message):
        parse_perf_script(text)


def _sample(*frames: tuple[int, str, str]) -> Sample:
    return Sample(1.0, "task-clock", 1, 1, 1, tuple(Frame(*f) for f in frames))


CANDIDATE = "/b/candidate.cpp"


def test_a_callers_return_address_is_looked_up_inside_the_call() -> None:
    """qsort called at the end of an inlined function: the return address is already on
    the wrapper's next line, the call itself on the qsort line (perf-ninja's
    function_inlining_1)."""
    sample = _sample((0x500, "msort_with_tmp", LIBC), (0x1250, "aiopt_run", SO))
    chains = {
        0x124F: ((CANDIDATE, 40), (CANDIDATE, 89)),  # the call: qsort's line, inlined
        0x1250: ((CANDIDATE, 90),),  # the return address: the wrapper's next line
    }
    assert lookup_addresses([sample], SO) == {0x124F}
    blocks = EvolveBlocks(((20, 55),))
    where = attribute(sample, SO, chains, blocks)
    assert (where.line, where.on_line, where.inside_block) == (40, False, True)
    assert where.leaf == f"msort_with_tmp [{Path(LIBC).name}]"


def test_the_innermost_line_inside_the_evolve_block_is_chosen() -> None:
    # a helper outside the block (line 70) called from the block's line 30
    sample = _sample((0x2000, "helper", SO), (0x3001, "solve", SO))
    chains = {0x2000: ((CANDIDATE, 70),), 0x3000: ((CANDIDATE, 30),)}
    assert attribute(sample, SO, chains, EvolveBlocks(((20, 50),))).line == 30
    # no line of the block on the stack: the innermost line, marked outside
    outside = attribute(sample, SO, chains, EvolveBlocks(((80, 90),)))
    assert (outside.line, outside.inside_block, outside.on_line) == (70, False, True)
    # a source without markers: every line may change
    assert attribute(sample, SO, chains, EvolveBlocks.of(["int x;"])).line == 70


def test_evolve_blocks_are_read_from_the_markers() -> None:
    lines = ["a", "// EVOLVE-BLOCK-START", "b", "c", "// EVOLVE-BLOCK-END", "d"]
    blocks = EvolveBlocks.of(lines)
    assert blocks.ranges == ((3, 4),)
    assert [n for n in range(1, 7) if blocks.inside(n)] == [3, 4]


def test_addr2line_chains_go_from_inlined_code_outwards() -> None:
    chains = parse_addr2line((PROFILES / "addr2line_matmul.txt").read_text())
    assert len(chains) == 4
    for chain in chains.values():
        assert [Path(path).name for path, _ in chain] == ["candidate.cpp", "candidate.cpp"]
        assert candidate_line(chain) in INNER_LOOP
    header = "/usr/include/c++/12/bits/stl_vector.h"
    assert candidate_line(((header, 1124), ("/b/candidate.cpp", 7))) == 7
    assert candidate_line(((header, 1124), ("??", 0))) is None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "/a/candidate.cpp:3\n",
        "0x10\n0x14\n/a/candidate.cpp:3\n",
        "0x10\nnot a location\n",
        "0x10\n",
    ],
)
def test_bad_addr2line_text_is_a_clear_error(text: str) -> None:
    with pytest.raises(ProfilerOutputError):
        parse_addr2line(text)


def context(task_dir: Path, work_dir: Path) -> ProfileContext:
    return profile_context(task_dir, work_dir, budget=1.0, timeout=60.0)


def test_missing_perf_is_unavailable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, matmul_task: Path
) -> None:
    ctx = context(matmul_task, tmp_path)
    monkeypatch.setattr(shutil, "which", lambda _: None)
    section = sampling.run(ctx)
    assert not section.available
    assert "perf not found" in section.reason


def test_perf_on_matmul_finds_the_inner_loop(tmp_path: Path, matmul_task: Path) -> None:
    if shutil.which("perf") is None:
        pytest.skip("perf is not installed")
    section = sampling.run(context(matmul_task, tmp_path))
    assert section.available, section.reason
    assert section.hotspots[0].line in INNER_LOOP
    assert section.hotspots[0].metrics["share"] > 0.3
    assert int(section.figures["samples"]) > 100
    faults = section.subsections["page_faults"]
    assert faults.available and "page_faults_per_call" in faults.figures
