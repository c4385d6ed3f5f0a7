"""One run of an experiment in a child process of the driver (``--runs-at-once N``):
``python -m aiopt_harness.experiment.run_child OPTIONS_FILE DRIVER_PID``.

It dies with the driver (the kernel's parent-death signal, SIGKILL), so that a driver
killed with ``kill -9`` leaves no run going on behind a resumed one. The options are the
driver's pickled ``EvolveOptions``; the summary goes to the run's ``summary.json``.
"""

from __future__ import annotations

import os
import pickle
import sys
from pathlib import Path

from ..common.processes import die_with_parent


def main(options_file: Path, driver_pid: int) -> int:
    die_with_parent()  # its OpenEvolve workers do the same (evolve/repair.py)
    if os.getppid() != driver_pid:
        return 3  # the driver died before the signal was set
    from ..evolve.run import run_evolve

    options = pickle.loads(options_file.read_bytes())
    run_evolve(options, say=lambda line: print(line, flush=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), int(sys.argv[2])))
