"""``aiopt experiment``: every run done once, resumable after ``kill -9``, tracks that
differ only in the profile artifact.

The LLM is a test double (tests/scripted_llm.py: a scripted OpenAI-compatible server on
127.0.0.1): resume must be compared exactly, which a sampling model cannot give. The
compiler, OpenEvolve, the evaluator and the sandbox are real.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from aiopt_harness.common.cpu_ledger import LOCAL_LLM_CPUS_ENV, conflicts, read_ledger
from aiopt_harness.common.procfs import read_process_stat
from aiopt_harness.experiment.layout import ExperimentDir
from aiopt_harness.experiment.runner import run_experiment
from aiopt_harness.experiment.spec import SpecError, load_spec
from aiopt_harness.experiment.status import experiment_progress, format_status
from tests.scripted_llm import ScriptedServer, distinct_programs, serving

SPEC = """\
name = "test"
output = "out"
tasks = ["matmul"]
seeds = [{seeds}]
iterations = {iterations}

[budgets]
evaluation_seconds = 0.3
profile_seconds = 0.3
max_tokens = 256
repairs = 1
{tracks}
"""
TRACK = """
[tracks.{name}]
api_base = "{api_base}"
model = "scripted"
profile = {profile}
"""


def write_spec(
    directory: Path, api_base: str, tracks: dict[str, bool], seeds: str = "1", iterations: int = 2
) -> Path:
    text = SPEC.format(
        seeds=seeds,
        iterations=iterations,
        tracks="".join(
            TRACK.format(name=name, api_base=api_base, profile=str(profile).lower())
            for name, profile in tracks.items()
        ),
    )
    path = directory / "spec.toml"
    path.write_text(text)
    return path


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with serving([]) as scripted:
        yield scripted


def records(run: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (run / "iterations.jsonl").open()]


def test_every_run_once_and_a_second_start_does_nothing(
    tmp_path: Path, server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As if the scripted server were the local model on every CPU: its requests are
    # recorded, and one run at a time never overlaps a request with a measurement.
    cpus = ",".join(map(str, sorted(os.sched_getaffinity(0))))
    monkeypatch.setenv(LOCAL_LLM_CPUS_ENV, cpus)
    spec = load_spec(write_spec(tmp_path, server.api_base, {"A": False}, seeds="1, 2"))
    lines: list[str] = []
    run_experiment(spec, say=lines.append)
    ledger = read_ledger(spec.output / "cpu_ledger.jsonl")
    assert sum(1 for i in ledger if i.kind == "llm_request") == len(server.requests)
    assert conflicts(ledger) == []
    experiment = ExperimentDir(spec.output)
    assert (spec.output / "spec.toml").read_text() == spec.source.read_text()
    versions = json.loads((spec.output / "versions.json").read_text())
    assert versions["openevolve"] and versions["compiler"].startswith("g++")
    assert json.loads((spec.output / "machine.json").read_text())["starts"][0]["cpu_model"]
    baselines = json.loads((spec.output / "baselines.json").read_text())["tasks"]
    assert baselines["matmul"].startswith("unavailable: no baseline for matmul")
    for key in spec.runs():
        state = experiment.state(key)
        assert state.state == "done" and state.attempts == 1
        assert [r["iteration"] for r in records(state.directory)] == [1, 2]
        checkpoints = list((state.directory / "openevolve" / "checkpoints").iterdir())
        assert [c.name for c in checkpoints] == ["checkpoint_2"]  # the last one is kept
    asked = len(server.requests)
    status = format_status(spec, experiment_progress(spec))
    assert "2 of 2 runs done" in status and "matmul-A-s2" in status
    again: list[str] = []
    run_experiment(spec, say=again.append)  # everything done: nothing runs, nothing asked
    assert len(server.requests) == asked
    assert "2 done, 0 to go" in again[0], again


def test_a_changed_spec_and_an_unreachable_endpoint_are_refused(
    tmp_path: Path, server: ScriptedServer
) -> None:
    path = write_spec(tmp_path, server.api_base, {"A": False}, iterations=1)
    spec = load_spec(path)
    run_experiment(spec, say=lambda line: None)
    path.write_text(path.read_text().replace("iterations = 1", "iterations = 2"))
    with pytest.raises(SpecError, match="another spec"):
        run_experiment(load_spec(path), say=lambda line: None)
    (tmp_path / "dead").mkdir()
    dead = write_spec(tmp_path / "dead", "http://127.0.0.1:9/v1", {"B": False})
    with pytest.raises(SpecError, match="does not answer"):
        run_experiment(load_spec(dead), say=lambda line: None)
    assert not (tmp_path / "dead" / "out").exists()  # refused before anything was written


def _driver(spec: Path, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "aiopt_harness.cli", "experiment", "run", str(spec)],
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _iterations_on_disk(run: Path) -> int:
    count = 0
    for name in ("evolution_trace.jsonl", "evolution_trace_failures.jsonl"):
        path = run / "openevolve" / name
        if path.is_file():
            count += len(path.read_text().splitlines())
    return count


@pytest.fixture
def distinct_server() -> Iterator[ScriptedServer]:
    with serving([], default=distinct_programs()) as scripted:
        yield scripted


def test_kill_9_of_the_driver_then_resume_loses_and_repeats_nothing(
    tmp_path: Path, distinct_server: ScriptedServer
) -> None:
    # every iteration evaluates a new child (seconds each), so the kill lands mid-run
    server = distinct_server
    iterations = 5
    (tmp_path / "whole").mkdir()
    (tmp_path / "killed").mkdir()
    whole = write_spec(tmp_path / "whole", server.api_base, {"A": False}, iterations=iterations)
    assert _driver(whole, tmp_path / "whole.log").wait(timeout=600) == 0
    killed = write_spec(tmp_path / "killed", server.api_base, {"A": False}, iterations=iterations)
    run = killed.parent / "out" / "runs" / "matmul-A-s1"
    driver = _driver(killed, tmp_path / "killed-1.log")
    deadline = time.monotonic() + 300
    while _iterations_on_disk(run) < 2 and time.monotonic() < deadline:
        assert driver.poll() is None, (tmp_path / "killed-1.log").read_text()[-3000:]
        time.sleep(0.2)
    os.kill(driver.pid, signal.SIGKILL)  # the driver only, mid-run
    driver.wait()
    time.sleep(1.0)
    with_pid_group_gone = subprocess.run(["pkill", "-9", "-g", str(driver.pid)], check=False)
    assert with_pid_group_gone.returncode in (0, 1)
    before = {
        json.loads(line)["iteration"]: json.loads(line).get("child_id")
        for line in (run / "openevolve" / "evolution_trace.jsonl").read_text().splitlines()
    }
    assert json.loads((run / "run.json").read_text())["state"] == "running"

    log = tmp_path / "killed-2.log"
    assert _driver(killed, log).wait(timeout=600) == 0, log.read_text()[-3000:]
    assert "resuming" in log.read_text()
    after = records(run)
    reference = records(whole.parent / "out" / "runs" / "matmul-A-s1")
    assert [r["iteration"] for r in after] == [r["iteration"] for r in reference]
    assert [r["iteration"] for r in after] == list(range(1, iterations + 1))
    state = json.loads((run / "run.json").read_text())
    assert state["attempts"] == 2
    assert state["seconds_before"] > 0  # the killed attempt's time, to its last write
    # what was checkpointed before the kill is kept, same child ids
    kept = [
        r for r in after if r["iteration"] in before and r.get("child_id") == before[r["iteration"]]
    ]
    assert kept, (before, [(r["iteration"], r.get("child_id")) for r in after])


def _profile_free(prompt: str) -> str:
    """The prompt without its profile artifact (OpenEvolve renders artifacts under a
    "## Last Execution Output" heading), with every number masked (the fitness and the
    score's own artifact are measured: two runs never measure the same numbers) and
    without trailing blank lines."""
    prompt = re.sub(r"### profile\n```\n.*?\n```\n?", "", prompt, flags=re.DOTALL)
    prompt = prompt.replace("## Last Execution Output\n", "")
    return re.sub(r"\d+(?:\.\d+)?", "<n>", prompt).rstrip()


def test_two_tracks_prompts_differ_only_in_the_profile_artifact(
    tmp_path: Path, server: ScriptedServer
) -> None:
    spec = load_spec(write_spec(tmp_path, server.api_base, {"A": False, "C": True}, iterations=1))
    run_experiment(spec, say=lambda line: None)
    off, on = (request["messages"] for request in server.requests[:2])
    assert off[0] == on[0]  # the system message
    shown = "\n".join(
        difflib.unified_diff(
            off[-1]["content"].splitlines(), on[-1]["content"].splitlines(), "A", "C", n=0,
            lineterm="",
        )
    )  # fmt: skip
    print(shown)  # the diff: the profile block and the measured fitness only
    assert "### profile" not in off[-1]["content"] and "### profile" in on[-1]["content"]
    assert _profile_free(off[-1]["content"]) == _profile_free(on[-1]["content"]), shown


def _overlap(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return a["start"] < b["end"] and b["start"] < a["end"]


def test_with_two_iterations_in_flight_no_measurement_shares_its_cpu(tmp_path: Path) -> None:
    """From the CPU ledger's recorded intervals: no two measurements overlapped on a CPU,
    and no compile ran on a measurement's CPU while it measured."""
    from aiopt_harness.experiment.runner import Executor

    with serving([], default=distinct_programs()) as server:
        spec = load_spec(write_spec(tmp_path, server.api_base, {"A": False}, iterations=6))
        run_experiment(spec, say=lambda line: None, executor=Executor(parallel=2))
    ledger = [json.loads(line) for line in (spec.output / "cpu_ledger.jsonl").open()]
    measures = [r for r in ledger if r["kind"] == "measure"]
    compiles = [r for r in ledger if r["kind"] == "compile"]
    assert len(measures) >= 6 and len(compiles) >= 6, ledger
    assert len({r["pid"] for r in measures}) >= 2  # evaluations in two processes
    assert conflicts(read_ledger(spec.output / "cpu_ledger.jsonl")) == []
    if len(os.sched_getaffinity(0)) > 1:  # not vacuous: compiles ran while others measured
        assert any(_overlap(c, m) for c in compiles for m in measures)


def _run_children() -> list[int]:
    """Pids of run processes (``run_child``) of any experiment on this machine."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if b"aiopt_harness.experiment.run_child" in command:
                found.append(int(entry.name))
    return found


def _parent(pid: int) -> int:
    try:
        return read_process_stat(pid).parent
    except (OSError, ValueError, IndexError):
        return 0


def test_two_runs_at_once_die_with_a_killed_driver_and_resume(tmp_path: Path) -> None:
    with serving([], default=distinct_programs()) as server:  # every iteration evaluates
        # long enough runs that neither ends before the other has started iterating
        spec = write_spec(tmp_path, server.api_base, {"A": False}, seeds="1, 2", iterations=6)
        runs = [tmp_path / "out" / "runs" / f"matmul-A-s{seed}" for seed in (1, 2)]
        log = tmp_path / "driver.log"
        command = [sys.executable, "-m", "aiopt_harness.cli", "experiment", "run", str(spec),
                   "--runs-at-once", "2"]  # fmt: skip
        driver = subprocess.Popen(command, stdout=log.open("wb"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 300
        while not all(_iterations_on_disk(run) >= 1 for run in runs):
            assert driver.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.2)
        children = _run_children()  # with their OpenEvolve workers (forked: same command)
        parents = {pid: _parent(pid) for pid in children}
        assert sum(1 for pid in children if parents[pid] not in children) == 2  # two runs
        os.kill(driver.pid, signal.SIGKILL)
        driver.wait()
        deadline = time.monotonic() + 10
        while _run_children() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _run_children() == []  # the runs (and their workers) died with their driver
        again = subprocess.run(command, capture_output=True, text=True, timeout=600)
        assert again.returncode == 0, again.stdout[-3000:]
    for run in runs:
        assert [r["iteration"] for r in records(run)] == list(range(1, 7))
    ledger = [json.loads(line) for line in (tmp_path / "out" / "cpu_ledger.jsonl").open()]
    assert len({r["pid"] for r in ledger if r["kind"] == "measure"}) >= 2
    assert conflicts(read_ledger(tmp_path / "out" / "cpu_ledger.jsonl")) == []
