from __future__ import annotations

import os
from pathlib import Path

from aiopt_harness.common.procfs import (
    busy_fractions,
    cpu_ticks,
    parse_process_stat,
    parse_schedstat,
    read_context_switches,
    read_process_stat,
    read_schedstat,
    read_stat,
    stat_fields,
)


def test_stat_fields_survive_a_command_name_with_parentheses_and_spaces() -> None:
    line = "4242 (a) b (c)) S 17 4242 4242 0 -1 4194560 1 2 3 4 5 6 7 8 20 0 3 0 99"
    fields = stat_fields(line)
    assert fields[0] == "S" and fields[1] == "17"
    assert fields[11:15] == ["5", "6", "7", "8"] and fields[17] == "3" and fields[19] == "99"


def test_read_stat_of_this_process() -> None:
    fields = read_stat(os.getpid())
    assert int(fields[1]) == os.getppid()


def test_process_stat_by_name() -> None:
    line = "4242 (a) b (c)) S 17 4242 4242 0 -1 4194560 1 2 3 4 5 6 7 8 20 0 3 0 99"
    stat = parse_process_stat(line)
    assert (stat.state, stat.parent, stat.threads, stat.start_time) == ("S", 17, 3, 99)
    assert (stat.user_ticks, stat.system_ticks) == (5, 6)
    assert (stat.children_user_ticks, stat.children_system_ticks) == (7, 8)
    assert stat.cpu_ticks == 11 and stat.cpu_ticks_with_children == 26
    mine = read_process_stat(os.getpid())
    assert mine.parent == os.getppid() and mine.state == "R" and mine.threads >= 1


def test_context_switches_of_this_process_or_none() -> None:
    switches = read_context_switches(os.getpid())
    assert switches.voluntary is not None and switches.involuntary is not None
    assert switches.voluntary >= 0 and switches.involuntary >= 0
    gone = read_context_switches("no-such-pid")
    assert gone.voluntary is None and gone.involuntary is None


def test_schedstat_of_this_process_or_none(tmp_path: Path) -> None:
    assert parse_schedstat(b"12 34 5\n") == parse_schedstat("12 34 5 \n")
    assert parse_schedstat("12 34 5").wait_ns == 34
    assert read_schedstat(tmp_path / "missing") is None
    sched = read_schedstat(Path("/proc/self/schedstat"))
    if sched is not None:  # kernels without CONFIG_SCHEDSTATS have none
        assert sched.run_ns > 0 and sched.timeslices > 0


def test_cpu_ticks_and_busy_fractions_by_hand() -> None:
    before = cpu_ticks(
        "cpu  10 0 10 80 0 0 0 0 0 0\n"
        "cpu0 5 0 5 40 0 0 0 0 0 0\n"
        "cpu1 5 0 5 40 0 0 0 0 0 0\nintr 1 2 3\n"
    )
    after = cpu_ticks(
        "cpu  60 0 10 130 0 0 0 0 0 0\n"
        "cpu0 5 0 5 90 0 0 0 0 0 0\n"  # idle throughout
        "cpu1 45 0 5 40 10 0 0 0 0 0\n"  # 40 busy, 10 iowait
    )
    assert set(before) == {0, 1}
    shares = busy_fractions(before, after)
    assert shares[0] == 0.0
    assert shares[1] == 40 / 50
    assert cpu_ticks("garbage") == {}
