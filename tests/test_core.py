"""The C++ core through its bindings: loader, timed loop, perf_event counters."""

import errno
import math
from pathlib import Path

import pytest

from aiopt_harness import _core
from aiopt_harness.build.compiler import compile_candidate
from aiopt_harness.tasks.task import DEFAULT_CXXFLAGS
from tests.conftest import hostile

HARDWARE = [
    "cycles",
    "instructions",
    "branches",
    "branch-misses",
    "cache-references",
    "cache-misses",
    "L1-dcache-load-misses",
]
SOFTWARE = ["page-faults", "task-clock", "context-switches", "cpu-migrations"]


def shared_object(source: Path) -> str:
    outcome = compile_candidate(source, DEFAULT_CXXFLAGS)
    assert outcome.shared_object is not None, outcome.diagnostics
    return str(outcome.shared_object)


def test_program_runs_and_outputs(tiny_task: Path) -> None:
    program = _core.Program(shared_object(tiny_task / "initial.cpp"))
    state = _core.State(program, b"")
    assert len(state.run(b"abc", 64)) == 8
    assert state.run(b"abc", 8) == state.run(b"abc", 64)
    state.close()
    state.close()  # closing twice is harmless
    with pytest.raises(ValueError, match="closed"):
        state.run(b"abc", 64)


def test_output_longer_than_out_cap_is_a_candidate_error(tiny_task: Path) -> None:
    state = _core.State(_core.Program(shared_object(tiny_task / "initial.cpp")), b"")
    with pytest.raises(_core.CandidateError, match="returned 8 bytes, more than out_cap 4"):
        state.run(b"abc", 4)
    with pytest.raises(_core.CandidateError, match="more than out_cap 4"):
        _core.time_calls([state], [b"abc"], [(0, 0)], 4)


def test_missing_symbol_names_it() -> None:
    with pytest.raises(_core.AbiError) as caught:
        _core.Program(shared_object(hostile("missing_fini")))
    assert caught.value.symbol == "aiopt_fini"


def test_unloadable_file_is_a_load_error(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.so"
    bogus.write_text("not an ELF file")
    with pytest.raises(_core.LoadError):
        _core.Program(str(bogus))


def test_candidate_exceptions_become_candidate_errors() -> None:
    state = _core.State(_core.Program(shared_object(hostile("throws"))), b"")
    with pytest.raises(_core.CandidateError, match="std::runtime_error: candidate gave up"):
        state.run(b"x", 64)
    with pytest.raises(_core.CandidateError):
        _core.time_calls([state], [b"x"], [(0, 0), (0, 0)], 64)


def test_time_calls_records_every_call(tiny_task: Path) -> None:
    program = _core.Program(shared_object(tiny_task / "initial.cpp"))
    states = [_core.State(program, b""), _core.State(program, b"")]
    inputs = [b"abc", b"defg"]
    counters = _core.Counters([SOFTWARE])
    order = [(0, 0), (1, 1), (1, 0), (0, 1), (1, 1)]
    result = _core.time_calls(states, inputs, order, 64, counters)
    assert result["wall_ns"].shape == (5,) and (result["wall_ns"] > 0).all()
    assert result["cpu_ns"].shape == (5,) and (result["cpu_ns"] > 0).all()
    assert list(result["out_len"]) == [8] * 5
    assert result["counters"].shape == (5, 4)
    task_clock = result["counters"][:, SOFTWARE.index("task-clock")]
    assert (task_clock > 0).all()  # software counters work on every Linux machine
    with pytest.raises(IndexError):
        _core.time_calls(states, inputs, [(0, 2)], 64)
    with pytest.raises(IndexError):
        _core.time_calls(states, inputs, [(2, 0)], 64)


def test_pinning_reports_bad_cpus() -> None:
    assert "out of range" in _core.pin_current_thread(-1)
    assert "sched_setaffinity" in _core.pin_current_thread(1000)
    assert "out of range" in _core.pin_current_thread(4000)


def test_default_groups_cover_hardware_and_software() -> None:
    groups = _core.default_event_groups()
    names = [name for group in groups for name in group]
    assert names == HARDWARE + SOFTWARE
    assert all(len(group) <= 4 for group in groups)


def test_every_counter_is_available_or_says_why() -> None:
    """Real perf_event_open: hardware events count where a PMU exists and report a reason
    (ENOENT on these VMs) where none does; software events always open."""
    statuses = _core.Counters(_core.default_event_groups()).statuses()
    assert [s["name"] for s in statuses] == HARDWARE + SOFTWARE
    for status in statuses:
        if status["available"]:
            assert status["reason"] == ""
        else:
            assert status["reason"].split(":")[0] in {
                "ENOENT",
                "EOPNOTSUPP",
                "EACCES",
                "EPERM",
                "ENODEV",
                "EINVAL",
            }
    assert all(s["available"] for s in statuses if s["name"] in ("task-clock", "page-faults"))


@pytest.mark.parametrize(
    ("err", "prefix"),
    [
        (errno.ENOENT, "ENOENT"),
        (errno.EACCES, "EACCES"),
        (errno.EOPNOTSUPP, "EOPNOTSUPP"),
        (errno.EMFILE, "EMFILE"),
    ],
)
def test_injected_hardware_failures_are_reported(err: int, prefix: str) -> None:
    """The hardware path with the syscall's failure injected, on a machine with or
    without a PMU alike."""
    counters = _core.Counters([HARDWARE[:4], SOFTWARE], {name: err for name in HARDWARE[:4]})
    statuses = {s["name"]: s for s in counters.statuses()}
    for name in HARDWARE[:4]:
        assert not statuses[name]["available"]
        assert statuses[name]["reason"].startswith(prefix)
        assert statuses[name]["reason"].endswith("[injected failure]")
    assert statuses["task-clock"]["available"]


def test_group_keeps_counting_when_its_leader_fails(tiny_task: Path) -> None:
    """Software events through the group code: the first event fails to open, the next
    becomes the leader, and values land in the right columns."""
    counters = _core.Counters(
        [["task-clock", "page-faults", "cpu-migrations"]], {"task-clock": errno.ENOENT}
    )
    statuses = counters.statuses()
    assert [s["available"] for s in statuses] == [False, True, True]
    state = _core.State(_core.Program(shared_object(tiny_task / "initial.cpp")), b"")
    values = _core.time_calls([state], [b"abc"], [(0, 0)] * 3, 64, counters)["counters"]
    assert all(math.isnan(v) for v in values[:, 0])
    assert (values[:, 1] >= 0).all() and (values[:, 2] >= 0).all()


def test_context_switches_without_kernel_counting_say_why() -> None:
    counters = _core.Counters(
        [["context-switches", "task-clock"]], {"context-switches": errno.EACCES}
    )
    reason = counters.statuses()[0]["reason"]
    assert reason.startswith("EACCES") and "would always read 0" in reason


def test_unknown_event_is_rejected() -> None:
    with pytest.raises(ValueError, match="unknown perf event"):
        _core.Counters([["no-such-event"]])


def test_multiplex_scaling() -> None:
    # running the whole time: the raw delta
    assert _core.scaled_delta(100, 300, 0, 50, 0, 50) == 200
    # running a quarter of the time it was enabled: scaled up by 4
    assert _core.scaled_delta(0, 250, 1000, 2000, 500, 750) == 1000
    # never scheduled between the reads: no value at all
    assert _core.scaled_delta(5, 5, 0, 100, 40, 40) is None


def test_describe_open_error_mentions_the_pmu() -> None:
    assert _core.describe_open_error(errno.ENOENT, "cycles").startswith("ENOENT: ")
    assert "perf_event_paranoid" in _core.describe_open_error(errno.EACCES, "cycles")
    assert "kernel" in _core.describe_open_error(errno.ENOENT, "task-clock")
