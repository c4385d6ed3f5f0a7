"""Every cached build artifact is checked against its recorded SHA-256 on every use: a
replaced or corrupted one is rebuilt, and the repair is reported."""

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

from aiopt_harness.build.cache_integrity import CacheRepairWarning, sidecar_path
from aiopt_harness.build.compiler import CompileOutcome, LinkError, compile_candidate, layout_copy
from aiopt_harness.tasks.task import DEFAULT_CXXFLAGS

PAD = 48


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache of this test's own (tampering must not leak into other tests)."""
    directory = tmp_path / "cache"
    monkeypatch.setenv("AIOPT_CACHE_DIR", str(directory))
    return directory


def compiled(source: Path) -> CompileOutcome:
    outcome = compile_candidate(source, DEFAULT_CXXFLAGS)
    assert outcome.ok and outcome.object_file is not None and outcome.shared_object is not None
    return outcome


@pytest.fixture
def clean(tiny_task: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """The artifacts of a clean build in a cache nobody tampered with, by kind."""
    with monkeypatch.context() as patch:
        patch.setenv("AIOPT_CACHE_DIR", str(tmp_path / "clean-cache"))
        outcome = compiled(tiny_task / "initial.cpp")
        assert outcome.object_file is not None and outcome.shared_object is not None
        padded = layout_copy(outcome.object_file, PAD)
        return {
            "object": outcome.object_file.read_bytes(),
            "shared object": outcome.shared_object.read_bytes(),
            "padded shared object": padded.read_bytes(),
            "pad": (tmp_path / "clean-cache" / "pads" / f"pad-{PAD}.o").read_bytes(),
        }


def overwrite_bytes(path: Path) -> str:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    return "sha256 mismatch"


def delete_sidecar(path: Path) -> str:
    sidecar_path(path).unlink()
    return "no sha256 recorded"


def replace_with_symlink(path: Path) -> str:
    """A link to an identical copy: the content matches, but the target could change."""
    copy = path.with_name(path.name + ".elsewhere")
    copy.write_bytes(path.read_bytes())
    path.unlink()
    path.symlink_to(copy)
    return "not a readable regular file"


TAMPERINGS = [overwrite_bytes, delete_sidecar, replace_with_symlink]


def repair(cache: Path, path: Path, problem: str) -> str:
    return f"cache: rebuilt tampered entry {path.relative_to(cache)} ({problem})"


def test_every_artifact_is_recorded_with_its_sha256(cache: Path, tiny_task: Path) -> None:
    outcome = compiled(tiny_task / "initial.cpp")
    assert outcome.object_file is not None and outcome.shared_object is not None
    padded = layout_copy(outcome.object_file, PAD)
    pad = cache / "pads" / f"pad-{PAD}.o"
    for artifact in (outcome.object_file, outcome.shared_object, padded, pad):
        recorded = sidecar_path(artifact).read_text().strip()
        assert recorded == hashlib.sha256(artifact.read_bytes()).hexdigest()
    assert outcome.cache_repairs == ()


@pytest.mark.parametrize("tamper", TAMPERINGS)
def test_a_tampered_object_file_is_rebuilt_and_reported(
    clean: dict[str, bytes], cache: Path, tiny_task: Path, tamper: Callable[[Path], str]
) -> None:
    first = compiled(tiny_task / "initial.cpp")
    assert first.object_file is not None
    problem = tamper(first.object_file)

    repaired = compiled(tiny_task / "initial.cpp")
    assert repaired.object_file == first.object_file and not repaired.cached
    assert repaired.object_file.read_bytes() == clean["object"]
    assert not repaired.object_file.is_symlink()
    assert repaired.cache_repairs == (repair(cache, first.object_file, problem),)

    again = compiled(tiny_task / "initial.cpp")
    assert again.cached and again.cache_repairs == ()


@pytest.mark.parametrize("tamper", TAMPERINGS)
def test_a_tampered_shared_object_is_rebuilt_and_reported(
    clean: dict[str, bytes], cache: Path, tiny_task: Path, tamper: Callable[[Path], str]
) -> None:
    first = compiled(tiny_task / "initial.cpp")
    assert first.shared_object is not None
    problem = tamper(first.shared_object)

    repaired = compiled(tiny_task / "initial.cpp")
    assert repaired.shared_object == first.shared_object
    assert repaired.cached  # the object file was intact: only the link was redone
    assert repaired.shared_object.read_bytes() == clean["shared object"]
    assert repaired.cache_repairs == (repair(cache, first.shared_object, problem),)

    again = compiled(tiny_task / "initial.cpp")
    assert again.cached and again.cache_repairs == ()


@pytest.mark.parametrize("tamper", TAMPERINGS)
def test_layout_copy_rebuilds_a_tampered_copy_and_pad(
    clean: dict[str, bytes], cache: Path, tiny_task: Path, tamper: Callable[[Path], str]
) -> None:
    object_file = compiled(tiny_task / "initial.cpp").object_file
    assert object_file is not None
    padded = layout_copy(object_file, PAD)
    pad = cache / "pads" / f"pad-{PAD}.o"
    copy_problem, pad_problem = tamper(padded), tamper(pad)

    repairs: list[str] = []
    assert layout_copy(object_file, PAD, repairs) == padded
    assert padded.read_bytes() == clean["padded shared object"]
    assert pad.read_bytes() == clean["pad"]
    assert repairs == [repair(cache, pad, pad_problem), repair(cache, padded, copy_problem)]

    repairs.clear()
    assert layout_copy(object_file, PAD, repairs) == padded
    assert repairs == []


def test_layout_copy_warns_of_repairs_nobody_collects(cache: Path, tiny_task: Path) -> None:
    object_file = compiled(tiny_task / "initial.cpp").object_file
    assert object_file is not None
    padded = layout_copy(object_file, PAD)
    overwrite_bytes(padded)
    with pytest.warns(CacheRepairWarning, match="rebuilt tampered entry so/.*sha256 mismatch"):
        layout_copy(object_file, PAD)


def test_layout_copy_does_not_link_a_tampered_object_file(
    clean: dict[str, bytes], cache: Path, tiny_task: Path
) -> None:
    """layout_copy cannot rebuild an object file (it has no source): it refuses to link
    it, and the next compile repairs it."""
    object_file = compiled(tiny_task / "initial.cpp").object_file
    assert object_file is not None
    overwrite_bytes(object_file)
    with pytest.raises(LinkError, match=r"obj/.*\.o cannot be linked \(sha256 mismatch\)"):
        layout_copy(object_file, PAD)
    repaired = compiled(tiny_task / "initial.cpp")
    assert len(repaired.cache_repairs) == 1
    assert layout_copy(object_file, PAD).read_bytes() == clean["padded shared object"]
