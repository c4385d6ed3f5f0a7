"""Candidates for the aiopt-worker tests, compiled once per session with g++."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.cpp_worker.client import ROOT

SOURCE = Path(__file__).resolve().parent / "candidate.cpp"
INCLUDE = ROOT / "src" / "aiopt_harness" / "include"


def build(out_dir: Path, name: str, *defines: str) -> Path:
    so = out_dir / f"{name}.so"
    command = ["g++", "-O2", "-shared", "-fPIC", "-I", str(INCLUDE), *defines, str(SOURCE),
               "-o", str(so)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return so


@pytest.fixture(scope="session")
def candidates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out_dir = tmp_path_factory.mktemp("candidates")
    return {
        "echo": build(out_dir, "echo"),
        "empty": build(out_dir, "empty", "-DAIOPT_TEST_EMPTY"),
        "no_fini": build(out_dir, "no_fini", "-DAIOPT_TEST_NO_FINI"),
    }
