"""Compiling a candidate source file into a shared object, cached by content hash.

A candidate is compiled once into an object file; each loaded copy is a shared object
linked from it behind a layout pad of its own (:func:`layout_copy`), so copies differ in
code placement the way separate builds do (Stabilizer-style layout randomization across
the copies of one comparison) while the code itself is the same.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..common.cpu_ledger import record_interval
from ..common.cpus import cpus_beside_measurement
from ..common.paths import cache_dir, include_dir
from ..common.processes import run_in_group
from .cache_integrity import (
    CacheRepairWarning,
    check_entry,
    discard,
    entry_lock,
    entry_name,
    publish,
    repair_message,
)

MAX_DIAGNOSTIC_LINES = 40
MAX_DIAGNOSTIC_CHARS = 4000


LAYOUT_PAD_STEP = 16  # bytes: keeps the compiler's function alignment
LAYOUT_PAD_STEPS = 256  # pads of 0, 16, ... 4080 bytes: every offset within a page


@dataclass(frozen=True)
class CompileOutcome:
    """A compiled shared object (and the object file it was linked from), or the
    compiler's (trimmed) diagnostics."""

    source: Path
    shared_object: Path | None
    diagnostics: str
    cached: bool
    seconds: float
    object_file: Path | None = None
    # cache entries found damaged (content unlike its recorded SHA-256, or none recorded)
    # and rebuilt for this outcome, one human-readable line each
    cache_repairs: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.shared_object is not None


@functools.lru_cache(maxsize=8)
def compiler_identity(cxx: str) -> str:
    """The compiler's resolved path and version line: part of every cache key."""
    path = shutil.which(cxx)
    if path is None:
        raise FileNotFoundError(f"C++ compiler {cxx!r} not found on PATH")
    version = subprocess.run(
        [path, "--version"], capture_output=True, text=True, check=True, timeout=30
    ).stdout.splitlines()
    return f"{os.path.realpath(path)}\n{version[0] if version else ''}"


def full_flags(flags: Sequence[str]) -> list[str]:
    """The task's flags plus what a loadable shared object needs."""
    result = list(flags)
    if "-fPIC" not in result and "-fpic" not in result:
        result.append("-fPIC")
    return [*result, "-fdiagnostics-color=never"]


def cache_key(source_text: bytes, flags: Sequence[str], cxx: str) -> str:
    digest = hashlib.sha256()
    for part in (
        source_text,
        "\0".join(full_flags(flags)).encode(),
        compiler_identity(cxx).encode(),
        (include_dir() / "aiopt.h").read_bytes(),
    ):
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    return digest.hexdigest()


def trim_diagnostics(text: str, build_path: str, shown_name: str) -> str:
    """Compiler output with temporary paths replaced and its length bounded."""
    text = text.replace(build_path, shown_name)
    text = re.sub(r"\x1b\[[0-9;]*m", "", text)
    lines = text.strip().splitlines()
    if len(lines) > MAX_DIAGNOSTIC_LINES:
        omitted = len(lines) - MAX_DIAGNOSTIC_LINES
        lines = [*lines[:MAX_DIAGNOSTIC_LINES], f"[... {omitted} more lines]"]
    trimmed = "\n".join(lines)
    if len(trimmed) > MAX_DIAGNOSTIC_CHARS:
        trimmed = trimmed[:MAX_DIAGNOSTIC_CHARS] + "\n[... cut]"
    return trimmed


def compile_candidate(
    source: str | Path,
    flags: Sequence[str],
    *,
    cxx: str = "g++",
    timeout: float = 120.0,
) -> CompileOutcome:
    """Compiles ``source`` with ``flags`` into a cached shared object.

    The cache key covers the source bytes, the flags, the compiler's path and version,
    and the ABI header. Compilation runs in its own process group, killed on timeout.
    Every cached file handed out is checked against its recorded SHA-256 first
    (``cache_integrity``); a damaged one is rebuilt and the repair reported in
    ``cache_repairs``.
    """
    source = Path(source)
    started = time.monotonic()
    text = source.read_bytes()
    key = cache_key(text, flags, cxx)
    obj = cache_dir() / "obj" / key[:2] / f"{key}.o"
    obj.parent.mkdir(parents=True, exist_ok=True)
    repairs: list[str] = []

    def outcome(shared_object: Path | None, diagnostics: str, cached: bool) -> CompileOutcome:
        return CompileOutcome(
            source,
            shared_object,
            diagnostics,
            cached,
            time.monotonic() - started,
            obj if shared_object is not None else None,
            tuple(repairs),
        )

    with entry_lock(obj):  # held while linking too: lock order object, copy, pad
        check = check_entry(obj)
        if not check.intact:
            if check.problem is not None:
                discard(obj)
            failure = _compile_object(text, flags, cxx, timeout, source.name, obj)
            if failure is not None:
                return outcome(None, failure, False)
            if check.problem is not None:
                repairs.append(repair_message(obj, check.problem, cache_dir()))
        try:
            shared_object = _layout_copy(obj, 0, repairs, object_checked=True)
        except LinkError as error:
            return outcome(None, str(error), check.intact)
    return outcome(shared_object, "", check.intact)


def _compile_object(
    text: bytes, flags: Sequence[str], cxx: str, timeout: float, display_name: str, obj: Path
) -> str | None:
    """Compiles ``text`` into the cache entry ``obj``; the diagnostics if that fails."""
    with tempfile.TemporaryDirectory(dir=obj.parent, prefix="build-") as build:
        build_source = Path(build) / "candidate.cpp"
        build_source.write_bytes(text)
        output = Path(build) / "candidate.o"
        command = [
            compiler_identity(cxx).split("\n")[0],
            *full_flags(flags),
            "-c",
            "-I",
            str(include_dir()),
            "-o",
            str(output),
            str(build_source),
        ]
        # never beside a measurement on its CPU (taskset is in util-linux, always there)
        cpus = cpus_beside_measurement() if shutil.which("taskset") else None
        started = time.time()
        done = run_in_group(
            command,
            timeout=timeout,
            env={**os.environ, "LC_ALL": "C"},  # plain ASCII quotes in diagnostics
            merge_stderr=True,
            cpus=cpus,
        )
        record_interval("compile", cpus or os.sched_getaffinity(0), started, time.time())
        if done.timed_out:
            return f"compiler timed out after {timeout:g} s"
        if done.returncode != 0 or not output.is_file():
            return (
                trim_diagnostics(done.stdout, str(build_source), display_name)
                or f"compiler exited with status {done.returncode}"
            )
        publish(output, obj)
    return None


class LinkError(RuntimeError):
    """Linking a compiled candidate failed (an undefined symbol, a full disk, a damaged
    object file...)."""


def _pad_object(pad: int, directory: Path, repairs: list[str]) -> Path:
    """An object whose only content is ``pad`` bytes of int3 at the very start of .text
    (section .text.unlikely, which the default linker script places first)."""
    target = directory / f"pad-{pad}.o"

    def build() -> None:
        with tempfile.TemporaryDirectory(dir=directory, prefix=f"pad-{pad}-") as work:
            source = Path(work) / f"pad-{pad}.s"
            source.write_text(
                '.section .text.unlikely,"ax",@progbits\n'
                f".globl aiopt_layout_pad_{pad}\n"
                f".hidden aiopt_layout_pad_{pad}\n"
                f"aiopt_layout_pad_{pad}:\n"
                f".skip {pad}, 0xcc\n"
                '.section .note.GNU-stack,"",@progbits\n'
            )
            output = Path(work) / f"pad-{pad}.o"
            done = run_in_group(
                [compiler_identity("g++").split("\n")[0], "-c", "-o", str(output), str(source)],
                timeout=60,
                merge_stderr=True,
            )
            if done.returncode != 0 or not output.is_file():
                raise LinkError(f"assembling the layout pad failed: {done.stdout.strip()}")
            publish(output, target)

    return _cached(target, repairs, build)


def _cached(target: Path, repairs: list[str], build: Callable[[], None]) -> Path:
    """``target`` when it matches its recorded SHA-256; otherwise ``build()`` writes it
    anew, under the entry's lock, and a damaged entry's repair is added to ``repairs``."""
    with entry_lock(target):
        check = check_entry(target)
        if check.intact:
            return target
        if check.problem is not None:
            discard(target)
        build()
        if check.problem is not None:
            repairs.append(repair_message(target, check.problem, cache_dir()))
    return target


def layout_copy(object_file: Path, pad: int, repairs: list[str] | None = None) -> Path:
    """The shared object linked from ``object_file`` with ``pad`` bytes (a multiple of
    LAYOUT_PAD_STEP) before its code; cached next to the object file.

    A cached copy is checked against its recorded SHA-256 on every call, and the object
    file (and pad) before linking a new one. A damaged copy or pad is rebuilt and the
    repair appended to ``repairs`` (a :class:`CacheRepairWarning` when it is None); a
    damaged object file is a :class:`LinkError` (compiling the candidate again repairs it).
    """
    found: list[str] = []
    try:
        return _layout_copy(object_file, pad, found, object_checked=False)
    finally:
        if repairs is not None:
            repairs.extend(found)
        else:
            for message in found:
                warnings.warn(message, CacheRepairWarning, stacklevel=2)


def _layout_copy(object_file: Path, pad: int, repairs: list[str], *, object_checked: bool) -> Path:
    if pad % LAYOUT_PAD_STEP or not 0 <= pad < LAYOUT_PAD_STEP * LAYOUT_PAD_STEPS:
        raise ValueError(f"layout pad {pad} is not a multiple of {LAYOUT_PAD_STEP} below 4096")
    target = cache_dir() / "so" / object_file.parent.name / f"{object_file.stem}-{pad}.so"
    target.parent.mkdir(parents=True, exist_ok=True)

    def build() -> None:
        if not object_checked:
            object_check = check_entry(object_file)
            if not object_check.intact:
                name = entry_name(object_file, cache_dir())
                problem = object_check.problem or "missing"
                raise LinkError(
                    f"cache: the object file {name} cannot be linked ({problem}); "
                    "compiling the candidate again rebuilds it"
                )
        pads = cache_dir() / "pads"
        pads.mkdir(parents=True, exist_ok=True)
        inputs = [str(_pad_object(pad, pads, repairs))] if pad else []
        temporary = target.with_name(f"{target.name}.{os.getpid()}.tmp")
        done = run_in_group(
            [
                compiler_identity("g++").split("\n")[0],
                "-shared",
                "-o",
                str(temporary),
                *inputs,
                str(object_file),
            ],
            timeout=120,
            env={**os.environ, "LC_ALL": "C"},
            merge_stderr=True,
        )
        if done.returncode != 0 or not temporary.is_file():
            temporary.unlink(missing_ok=True)
            raise LinkError(
                f"linking failed: {trim_diagnostics(done.stdout, str(object_file), 'candidate.o')}"
            )
        publish(temporary, target)

    return _cached(target, repairs, build)
