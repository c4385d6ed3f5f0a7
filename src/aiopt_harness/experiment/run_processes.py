"""A run of the experiment in a child process (``run_child``), its output lines passed
on to the driver's progress as they come."""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import subprocess
import sys
import threading
from collections.abc import Callable

from ..evolve.run import EvolveOptions

OPTIONS_FILE = "run-options.pickle"  # in the run directory, written by the driver


class RunProcess:
    def __init__(self, options: EvolveOptions, say: Callable[[str], None]) -> None:
        options.output.mkdir(parents=True, exist_ok=True)
        options_file = options.output / OPTIONS_FILE
        options_file.write_bytes(pickle.dumps(options))
        self.tail: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "aiopt_harness.experiment.run_child", str(options_file),
             str(os.getpid())],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, errors="replace", start_new_session=True,
        )  # fmt: skip
        self.pump = threading.Thread(target=self._pass_on, args=(say,), daemon=True)
        self.pump.start()

    def _pass_on(self, say: Callable[[str], None]) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            line = line.rstrip("\n")
            self.tail = [*self.tail[-19:], line]
            if line and not line.startswith(("20", "INFO", "WARNING", "DEBUG")):
                say(line)  # our lines, not OpenEvolve's log (it is in openevolve/logs)

    def poll(self) -> int | None:
        return self.process.poll()

    def finish(self) -> int:
        code = self.process.wait()
        self.pump.join(timeout=5)
        return code

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
