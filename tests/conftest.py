"""Shared fixtures: an isolated cache, the tiny test task, the hostile candidates."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
VARIANTS = Path(__file__).resolve().parent / "programs"  # known-better and broken variants


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Every test session compiles into its own cache."""
    patcher = pytest.MonkeyPatch()
    patcher.setenv("AIOPT_CACHE_DIR", str(tmp_path_factory.mktemp("aiopt-cache")))
    yield
    patcher.undo()


@pytest.fixture
def tiny_task() -> Path:
    return DATA / "tiny_task"


@pytest.fixture
def matmul_task() -> Path:
    return ROOT / "programs" / "matmul"


def hostile(name: str) -> Path:
    return DATA / "hostile" / f"{name}.cpp"


def processes_named(name: str) -> list[int]:
    """Pids of live processes whose name (/proc/PID/comm) is ``name``: how tests see from
    outside whether something a candidate started is still running."""
    from aiopt_harness.common.procfs import read_process_stat

    found = []
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if (
                comm.read_text().strip() == name
                and read_process_stat(comm.parent.name).state != "Z"
            ):
                found.append(int(comm.parent.name))
        except (OSError, ValueError, IndexError):
            continue
    return found
