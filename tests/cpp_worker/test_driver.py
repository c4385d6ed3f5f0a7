"""aiopt-driver (src/cpp/driver_main.cpp) on the new ABI: params file, framed inputs."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.cpp_worker.client import frames, installed_binary


def driver(
    so: Path, tmp_path: Path, inputs: bytes, *extra: str
) -> subprocess.CompletedProcess[str]:
    (tmp_path / "params").write_bytes(b"pp")
    (tmp_path / "inputs").write_bytes(inputs)
    command = [str(installed_binary("aiopt-driver")), "--so", str(so),
               "--params", str(tmp_path / "params"), "--inputs", str(tmp_path / "inputs"),
               *extra]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=60, env={})


def test_driver_cycles_through_frames(candidates: dict[str, Path], tmp_path: Path) -> None:
    done = driver(candidates["echo"], tmp_path, frames([b"a", b"", b"xyz"]), "--runs", "7")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["runs"] == 7 and result["wall_ns"] > 0 and result["cpu_ns"] >= 0


def test_driver_errors(candidates: dict[str, Path], tmp_path: Path) -> None:
    assert driver(candidates["echo"], tmp_path, b"\x05\x00").returncode == 2  # torn frame
    assert driver(candidates["echo"], tmp_path, b"").returncode == 2  # no frames
    assert driver(candidates["no_fini"], tmp_path, frames([b"a"])).returncode == 3
    assert driver(candidates["echo"], tmp_path, frames([b"T"])).returncode == 4
    overflow = driver(candidates["echo"], tmp_path, frames([b"abc"]), "--out-cap", "4")
    assert overflow.returncode == 5
    assert "aiopt_run returned 5 bytes, more than out_cap 4" in overflow.stderr
