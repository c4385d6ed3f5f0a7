"""The scheduler tracepoints blocked time by line needs, and what is said when they are
missing."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from aiopt_harness.profilers import offcpu, recording, tracefs
from tests.profilers.test_offcpu import NATIVE, _context


def test_missing_mount_point_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tracefs, "TRACEFS", tmp_path / "absent")
    reason = tracefs.sched_tracepoints()
    assert reason is not None and "does not exist" in reason and "absent" in reason


@pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("perf") is None, reason="the tracepoints need root and perf"
)
def test_missing_tracepoints_say_unavailable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(recording, "sched_tracepoints", lambda: "no sched tracepoints (injected)")
    section = offcpu.run(_context(tmp_path, {"offcpu": NATIVE}))
    assert section.figures["blocked_by_line"] == "unavailable: no sched tracepoints (injected)"
    assert section.hotspots == []


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting tracefs needs root")
def test_tracefs_is_mounted_when_absent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    point = tmp_path / "tracing"
    point.mkdir()
    monkeypatch.setattr(tracefs, "TRACEFS", point)
    try:
        assert tracefs.sched_tracepoints() is None
        assert (point / tracefs.SCHED_SWITCH).exists()
    finally:
        os.system(f"umount {point} 2>/dev/null")
