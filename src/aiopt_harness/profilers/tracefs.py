"""The kernel's trace file system, which ``perf sched`` reads its tracepoints from.

``perf`` mounts tracefs itself when it is missing, but the jailed ``perf`` sees ``/sys``
read-only and cannot: the trusted side mounts it first, as ``perf`` would have.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

TRACEFS = Path("/sys/kernel/tracing")
SCHED_SWITCH = Path("events/sched/sched_switch")


def sched_tracepoints() -> str | None:
    """None when the scheduler tracepoints are readable, else why they are not.

    Mounts tracefs at ``/sys/kernel/tracing`` when it is not mounted (root only).
    """
    if (TRACEFS / SCHED_SWITCH).exists():
        return None
    if not TRACEFS.is_dir():
        return f"{TRACEFS} does not exist (kernel without tracefs)"
    try:
        mounted = subprocess.run(
            ["mount", "-t", "tracefs", "nodev", str(TRACEFS)],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"cannot mount tracefs at {TRACEFS}: {error}"
    if mounted.returncode != 0:
        said = (mounted.stderr or "").strip().splitlines()
        return f"cannot mount tracefs at {TRACEFS}: {said[-1] if said else mounted.returncode}"
    if not (TRACEFS / SCHED_SWITCH).exists():
        return f"tracefs at {TRACEFS} has no {SCHED_SWITCH} (kernel without sched tracepoints)"
    return None
