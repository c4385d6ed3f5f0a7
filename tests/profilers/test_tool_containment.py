"""The profilers' tools run candidate code inside the sandbox too: escape probes under
valgrind, perf record and Coz, judged from outside (the file does not exist, the loopback
server saw nothing)."""

from __future__ import annotations

import secrets
import shutil
import socket
from collections.abc import Callable
from pathlib import Path

import pytest

from aiopt_harness.profilers import causal, sampling, simulated
from aiopt_harness.profilers.context import ProfileContext
from aiopt_harness.profilers.driver import profiling_build, write_driver_inputs
from aiopt_harness.profilers.section import ProfileSection
from aiopt_harness.tasks.task import load_task
from tests.sandbox.test_escapes import probe

TOOLS: dict[str, tuple[str, Callable[[ProfileContext], ProfileSection]]] = {
    "simulated": ("valgrind", simulated.run),
    "sampling": ("perf", sampling.run),
    "causal": ("coz", causal.run),
}


def probe_context(source: Path, task_dir: Path, work_dir: Path) -> ProfileContext:
    task = load_task(task_dir)
    build = profiling_build(source, task)
    assert build.shared_object is not None, build.diagnostics
    return ProfileContext(
        task=task,
        source=source,
        source_lines=tuple(source.read_text().splitlines()),
        shared_object=build.shared_object,
        inputs=write_driver_inputs(task, work_dir / "inputs"),
        work_dir=work_dir,
        budget=1.0,
        timeout=60.0,
    )


def run_tool(name: str, ctx: ProfileContext) -> ProfileSection:
    tool, runner = TOOLS[name]
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed")
    return runner(ctx)


@pytest.mark.parametrize("name", list(TOOLS))
def test_a_profiled_candidate_writes_nothing_outside(
    name: str, tiny_task: Path, tmp_path: Path
) -> None:
    target = Path("/tmp") / f"escape-probe-{secrets.token_hex(4)}.txt"
    target.write_text("control\n")  # the judge can see a file there
    target.unlink()
    ctx = probe_context(probe("write_file", str(target), tmp_path), tiny_task, tmp_path / "w")
    try:
        run_tool(name, ctx)
        assert not target.exists(), f"the candidate created {target} under {name}"
    finally:
        target.unlink(missing_ok=True)
    assert ctx.containment_seen, "the tool reported no sandbox"
    assert all(seen.full for seen in ctx.containment_seen), [
        seen.summary() for seen in ctx.containment_seen
    ]
    assert not any((tmp_path / "w").glob("*-jail")), "a tool's scratch directory was left"


@pytest.mark.parametrize("name", list(TOOLS))
def test_a_profiled_candidate_reaches_no_server(name: str, tiny_task: Path, tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.setblocking(False)
        port = server.getsockname()[1]
        ctx = probe_context(probe("tcp_connect", str(port), tmp_path), tiny_task, tmp_path / "w")
        run_tool(name, ctx)
        with pytest.raises(BlockingIOError):
            server.accept()
