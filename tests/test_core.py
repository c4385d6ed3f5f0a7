"""The C++ core through its bindings: perf_event counters, pinning, error texts. It
loads no candidate (candidates run in aiopt-worker: tests/cpp_worker, tests/sandbox)."""

import errno

import pytest

from aiopt_harness import _core

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


def test_group_keeps_its_other_events_when_its_leader_fails() -> None:
    """Software events through the group code: the first event fails to open and the
    others still open (that their values land in the right columns is read through the
    worker: tests/cpp_worker/test_worker.py::test_injected_enoent_is_reported_unavailable)."""
    counters = _core.Counters(
        [["task-clock", "page-faults", "cpu-migrations"]], {"task-clock": errno.ENOENT}
    )
    statuses = counters.statuses()
    assert [s["available"] for s in statuses] == [False, True, True]
    assert counters.names() == ["task-clock", "page-faults", "cpu-migrations"]


def test_the_core_loads_no_candidate() -> None:
    """The in-process loader and timed loop are gone: the trusted process never runs
    candidate code."""
    for name in ("Program", "State", "time_calls", "LoadError", "AbiError", "CandidateError"):
        assert not hasattr(_core, name), name


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
