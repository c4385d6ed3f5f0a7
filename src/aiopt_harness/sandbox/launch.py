"""Running one request in an isolated supervisor + worker process pair (caller side).

The supervisor runs in a new session (its own process group) and is killed with its
group if it does not finish within the timeout plus a grace period.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..common.processes import wait_in_group

CAPTURE_CHARS = 2000
SUPERVISOR_GRACE_S = 10.0


@dataclass
class SandboxReport:
    """Everything a sandboxed run left: the worker's result and how its process ended."""

    run_dir: Path
    result: dict[str, Any] | None
    exit_code: int | None
    signal: int | None
    timed_out: bool
    left_behind: int
    max_rss_kib: float
    crash_note: dict[str, str] | None
    stdout: str
    stderr: str
    supervisor_failed: str | None = None


def _read_capped(path: Path) -> str:
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(CAPTURE_CHARS)
    except OSError:
        return ""
    text = head.decode("utf-8", errors="replace")
    if size > CAPTURE_CHARS:
        text += f"\n[... {size - CAPTURE_CHARS} more bytes cut]"
    return text


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        value = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def _read_crash_note(path: Path) -> dict[str, str] | None:
    try:
        line = path.read_text().strip()
    except OSError:
        return None
    if not line:
        return None
    return dict(field.split("=", 1) for field in line.split() if "=" in field)


def run_sandboxed(request: dict[str, Any], run_dir: Path) -> SandboxReport:
    """Runs ``request`` (see ``sandbox.worker``) with ``run_dir`` as its scratch directory."""
    (run_dir / "request.json").write_text(json.dumps(request))
    environment = dict(os.environ)
    environment.update({"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"})
    supervisor_failed = None
    with (run_dir / "stdout.txt").open("wb") as out, (run_dir / "stderr.txt").open("wb") as err:
        returncode = wait_in_group(
            [sys.executable, "-m", "aiopt_harness.sandbox.supervisor", str(run_dir)],
            timeout=float(request["timeout"]) + SUPERVISOR_GRACE_S,
            stdout=out,
            stderr=err,
            env=environment,
        )
    if returncode is None:
        supervisor_failed = "the supervisor did not finish in time and was killed"
    report = _read_json(run_dir / "supervisor.json") or {}
    if not report and supervisor_failed is None:
        supervisor_failed = f"the supervisor exited with status {returncode}"
    return SandboxReport(
        run_dir=run_dir,
        result=_read_json(run_dir / "result.json"),
        exit_code=report.get("exit_code"),
        signal=report.get("signal"),
        timed_out=bool(report.get("timed_out", supervisor_failed is not None)),
        left_behind=int(report.get("left_behind", 0)),
        max_rss_kib=float(report.get("max_rss_kib", 0.0)),
        crash_note=_read_crash_note(run_dir / "crash_note.txt"),
        stdout=_read_capped(run_dir / "stdout.txt"),
        stderr=_read_capped(run_dir / "stderr.txt"),
        supervisor_failed=supervisor_failed,
    )
