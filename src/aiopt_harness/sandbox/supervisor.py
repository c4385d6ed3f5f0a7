"""The supervising process of one sandboxed run: ``python -m aiopt_harness.sandbox.supervisor DIR``.

It makes itself a child subreaper, forks the worker (which loads candidate code), waits
for it with a wall-clock timeout, then kills every process the candidate left behind and
writes ``supervisor.json`` into DIR. It never runs candidate code itself.
"""

from __future__ import annotations

import json
import os
import select
import signal
import sys
import time
import traceback
from pathlib import Path

from .process_tree import become_subreaper, kill_descendants

WORKER_CRASHED_IN_PYTHON = 70


def _wait(pid: int, timeout: float) -> tuple[int, float, bool]:
    """Waits for ``pid``; kills it on timeout. Returns (wait status, max RSS KiB, timed out)."""
    pidfd = os.pidfd_open(pid)
    try:
        ready, _, _ = select.select([pidfd], [], [], max(timeout, 0.0))
    finally:
        os.close(pidfd)
    timed_out = not ready
    if timed_out:
        os.kill(pid, signal.SIGKILL)
    _, status, usage = os.wait4(pid, 0)
    return status, float(usage.ru_maxrss), timed_out


def _run_worker(run_dir: Path) -> None:
    """In the forked child: run the worker and leave without Python's cleanup."""
    code = WORKER_CRASHED_IN_PYTHON
    try:
        from .worker import run_worker

        code = run_worker(run_dir)
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def main(argv: list[str]) -> int:
    run_dir = Path(argv[1])
    request = json.loads((run_dir / "request.json").read_text())
    become_subreaper()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        _run_worker(run_dir)
    status, max_rss_kib, timed_out = _wait(pid, float(request["timeout"]))
    elapsed = time.monotonic() - started
    left_behind = kill_descendants(os.getpid())
    report = {
        "pid": pid,
        "exit_code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
        "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
        "timed_out": timed_out,
        "left_behind": left_behind,
        "elapsed": elapsed,
        "max_rss_kib": max_rss_kib,
    }
    temporary = run_dir / "supervisor.json.tmp"
    temporary.write_text(json.dumps(report))
    os.replace(temporary, run_dir / "supervisor.json")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
