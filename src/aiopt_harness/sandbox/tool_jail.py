"""The sandbox around an external profiler that runs candidate code (valgrind, perf, Coz).

``aiopt-sandbox`` (src/cpp/sandbox_main.cpp) puts the tool in the worker's sandbox before
exec: no new privileges, Landlock (read the system, the candidate's shared object, the
driver and its inputs; write one private scratch directory, the tool's working directory),
seccomp (no sockets, ptrace, namespaces...). A tool needs more than a candidate: exec (of
the paths given to execute only), fork (perf starts the driver), perf_event_open (perf,
Coz), its capabilities (perf as root). Where a tool gets those, the driver puts itself in
the strict sandbox before it loads the candidate (its own ``--sandbox-report``); under
valgrind, which cannot pass Landlock or seccomp through to the guest, the launcher's
sandbox is the one that holds, and it allows no fork there.

Which report has to be full for the run to count as contained is the ``holder``:
``launcher`` (valgrind), ``driver`` (perf: the launcher keeps perf's privileges),
``both`` (Coz: the candidate is preloaded before the driver's sandbox).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .containment import Containment, read_report
from .worker_client import candidate_environment, installed_binary

Holder = Literal["launcher", "driver", "both"]


def launcher_path() -> Path:
    """The installed ``aiopt-sandbox`` executable."""
    return installed_binary("aiopt-sandbox")


def executable(name: str) -> Path:
    """The absolute path of a tool on PATH (the launcher execs absolute paths only)."""
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} not found")
    return Path(found).resolve()


@dataclass(frozen=True)
class ToolJail:
    """One sandboxed tool run. ``directory`` holds the reports (out of the tool's reach);
    ``scratch`` is the tool's working directory and the only place it may write."""

    directory: Path
    scratch: Path
    holder: Holder
    report_fd: int  # the driver's report, open for writing: it cannot open files outside
    read: tuple[Path, ...] = ()
    execute: tuple[Path, ...] = ()
    allow: tuple[str, ...] = ()  # exec, fork, perf, capabilities
    driver_allow: tuple[str, ...] = ()  # perf under Coz
    require_containment: bool = False

    @classmethod
    def create(
        cls,
        directory: Path,
        holder: Holder,
        *,
        read: tuple[Path, ...] = (),
        execute: tuple[Path, ...] = (),
        allow: tuple[str, ...] = (),
        driver_allow: tuple[str, ...] = (),
        require_containment: bool = False,
    ) -> ToolJail:
        directory.mkdir(parents=True, exist_ok=True)
        scratch = directory / "scratch"
        scratch.mkdir(mode=0o700, exist_ok=True)
        report = directory / "driver-containment.txt"
        fd = os.open(report, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        return cls(
            directory, scratch, holder, fd, read, execute, allow, driver_allow,
            require_containment,
        )  # fmt: skip

    @property
    def launcher_report(self) -> Path:
        return self.directory / "launcher-containment.txt"

    @property
    def driver_report(self) -> Path:
        return self.directory / "driver-containment.txt"

    def command(self, command: list[str], setenv: dict[str, str] | None = None) -> list[str]:
        """``command`` (its program resolved on PATH) inside the launcher; ``setenv``
        reaches the command only (never the launcher's own loader: LD_PRELOAD)."""
        program = command[0] if command[0].startswith("/") else str(executable(command[0]))
        args = [str(launcher_path())]
        if self.allow:
            args += ["--allow", ",".join(self.allow)]
        for path in self.read:
            args += ["--read", str(path)]
        for path in (Path(program), *self.execute):
            args += ["--execute", str(path)]
        args += ["--write", str(self.scratch), "--sandbox-report", str(self.launcher_report)]
        args += ["--escapes", "fail", "--keep-fd", str(self.report_fd)]
        for name, value in (setenv or {}).items():
            args += ["--setenv", f"{name}={value}"]
        if self.require_containment and self.holder != "driver":
            args += ["--require-containment", "yes"]
        return [*args, "--", program, *command[1:]]

    def driver_args(self) -> list[str]:
        """The driver's own sandbox options (the strict one: no exec, no fork)."""
        args = ["--write", str(self.scratch), "--sandbox-report-fd", str(self.report_fd)]
        for path in self.read:
            args += ["--read", str(path)]
        if self.driver_allow:
            args += ["--allow", ",".join(self.driver_allow)]
        if self.require_containment and self.holder != "launcher":
            args += ["--require-containment", "yes"]
        return args

    def environment(self) -> dict[str, str]:
        """The launcher's whole environment (the command's, before ``setenv``)."""
        return candidate_environment(self.scratch)

    def containment(self) -> Containment:
        """What held around the candidate, by ``holder``; the other report is noted."""
        launcher = read_report(self.launcher_report, "aiopt-sandbox")
        driver = read_report(self.driver_report, "aiopt-driver")
        if self.holder == "launcher":
            return launcher
        if self.holder == "driver":
            return driver
        return launcher.combined(driver)

    def remove(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.report_fd)
        shutil.rmtree(self.directory, ignore_errors=True)
