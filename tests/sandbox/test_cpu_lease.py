import os
import shutil
import stat
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

import aiopt_harness
from aiopt_harness.sandbox.cpu_lease import cpu_lease, lease_path

NOBODY = 65534  # the unprivileged user (and group) that takes a lease root created
THIRD_USER = 65533  # owns the sticky directory, as root owns /tmp for everyone else
PACKAGE_ROOT = str(Path(aiopt_harness.__file__).resolve().parent.parent)


def test_a_second_process_waits_for_the_lease() -> None:
    """While this process holds CPU 999's lease, another process cannot take it."""
    probe = textwrap.dedent(
        f"""
        import fcntl, os
        fd = os.open({str(lease_path(999))!r}, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            print("free")
        except BlockingIOError:
            print("held")
        """
    )
    with cpu_lease(999):
        held = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    after = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert held.stdout.strip() == "held"
    assert after.stdout.strip() == "free"


def test_a_new_lease_file_is_usable_by_everyone_whatever_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0o077)
    try:
        with cpu_lease(7, tmp_path):
            pass
    finally:
        os.umask(previous)
    assert stat.S_IMODE(lease_path(7, tmp_path).stat().st_mode) == 0o666


def test_an_existing_lease_file_is_opened_as_it_is(tmp_path: Path) -> None:
    path = lease_path(8, tmp_path)
    path.touch()
    path.chmod(0o600)
    with cpu_lease(8, tmp_path):
        pass
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # not recreated, not chmod-ed


def _as_nobody(command: list[str], directory: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        user=NOBODY,
        group=NOBODY,
        extra_groups=[],
        env={"PYTHONPATH": PACKAGE_ROOT, "PATH": "/usr/bin:/bin"},
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _python_for_nobody(directory: Path) -> str:
    """An interpreter uid 65534 can run with this package importable, else a skip."""
    tried = []
    for python in dict.fromkeys(
        [sys.executable, shutil.which("python3") or "", "/usr/bin/python3"]
    ):
        if not python:
            continue
        try:
            probe = _as_nobody([python, "-c", "import aiopt_harness.sandbox.cpu_lease"], directory)
        except OSError as error:
            tried.append(f"{python}: {error}")
            continue
        if probe.returncode == 0:
            return python
        tried.append(f"{python}: {(probe.stderr.strip().splitlines() or ['?'])[-1]}")
    pytest.skip(
        f"no Python that uid {NOBODY} can run with {PACKAGE_ROOT} importable: " + "; ".join(tried)
    )


@pytest.fixture
def sticky_directory() -> Iterator[Path]:
    """A world-writable sticky directory like /tmp, owned by a third user (so that Linux's
    fs.protected_regular, when on, forbids O_CREAT on root's file in it)."""
    directory = Path(tempfile.mkdtemp(prefix="aiopt-lease-test-", dir="/tmp"))
    try:
        os.chown(directory, THIRD_USER, THIRD_USER)
        directory.chmod(0o1777)
        yield directory
    finally:
        shutil.rmtree(directory)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to create a file as another user")
@pytest.mark.parametrize("mode", [0o644, 0o666])
def test_another_user_takes_the_lease_on_roots_lease_file(
    sticky_directory: Path, mode: int
) -> None:
    """Root created the lease file (mode 0644 under a common umask); an unprivileged user
    can still take the lease, without replacing or changing the file."""
    python = _python_for_nobody(sticky_directory)
    path = lease_path(5, sticky_directory)
    path.touch()
    path.chmod(mode)
    child = textwrap.dedent(
        f"""
        import os, sys
        from pathlib import Path
        from aiopt_harness.sandbox.cpu_lease import cpu_lease
        try:
            os.close(os.open({str(path)!r}, os.O_RDWR | os.O_CREAT, 0o666))
            print("plain open: ok")
        except PermissionError:
            print("plain open: denied")
        with cpu_lease(5, Path(sys.argv[1])):
            print("leased")
        """
    )
    done = _as_nobody([python, "-c", child, str(sticky_directory)], sticky_directory)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    if mode == 0o644:
        assert lines[0] == "plain open: denied"  # what the lease used to do fails here
    assert lines[-1] == "leased"
    assert path.stat().st_uid == 0 and stat.S_IMODE(path.stat().st_mode) == mode
