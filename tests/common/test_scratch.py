from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from aiopt_harness.common.scratch import (
    ORPHAN_AGE,
    owner_alive,
    remove_orphans,
    scratch_directory,
    scratch_root,
)


@pytest.fixture
def temp_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """``$TMPDIR`` of this test alone (other harness processes share the real one)."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    yield tmp_path


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_a_scratch_directory_is_private_and_removed_with_its_files(temp_root: Path) -> None:
    with scratch_directory("session") as path:
        (path / "copy.so").write_bytes(b"x")
        (path / "sub").mkdir()
        assert path.parent == temp_root / f"aiopt-{os.getuid()}"
        assert path.name.startswith(f"session-{os.getpid()}.")
        assert owner_alive(path.name) is True
        assert oct(path.stat().st_mode & 0o777) == oct(0o700)
        assert oct(path.parent.stat().st_mode & 0o777) == oct(0o700)
    assert not path.exists()


def test_the_directory_of_a_killed_process_is_removed_by_the_next_one(temp_root: Path) -> None:
    # a process SIGKILLed inside the block never runs its cleanup
    code = (
        "import sys, time\n"
        "from aiopt_harness.common.scratch import scratch_directory\n"
        "with scratch_directory('session') as p:\n"
        "    (p / 'copy.so').write_bytes(b'x' * 4096)\n"
        "    print(p, flush=True)\n"
        "    time.sleep(60)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    left = Path(child.stdout.readline().strip())
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert left.is_dir() and owner_alive(left.name) is False
    with scratch_directory("session"):
        pass
    assert left.is_dir()  # changed moments ago: kept, its owner may be in another namespace
    _age(left, ORPHAN_AGE + 1)
    with scratch_directory("session") as mine:
        assert mine.is_dir()
    assert not left.exists()


def test_a_live_owners_old_directory_and_foreign_names_are_kept(temp_root: Path) -> None:
    root = scratch_root()
    with scratch_directory("analysis") as mine:
        _age(mine, ORPHAN_AGE * 10)
        foreign = root / "not-ours"
        foreign.mkdir()
        _age(foreign, ORPHAN_AGE * 10)
        assert remove_orphans(root) == []
        assert mine.is_dir() and foreign.is_dir()


def test_a_reused_pid_is_not_taken_for_the_owner(temp_root: Path) -> None:
    root = scratch_root()
    pid = os.getpid()  # alive, but it started at another time than the name says
    stale = root / f"session-{pid}.1-abcd1234"
    stale.mkdir()
    _age(stale, ORPHAN_AGE + 1)
    assert owner_alive(stale.name) is False
    assert remove_orphans(root) == [stale.name]
    assert not stale.exists()


def test_a_planted_root_is_refused(temp_root: Path) -> None:
    elsewhere = temp_root / "elsewhere"
    elsewhere.mkdir()
    (temp_root / f"aiopt-{os.getuid()}").symlink_to(elsewhere)
    with pytest.raises(PermissionError, match="not a directory of user"), scratch_directory("x"):
        pass
    assert list(elsewhere.iterdir()) == []
