"""Compiling a candidate source file into a shared object, cached by content hash."""

from __future__ import annotations

import functools
import hashlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..common.paths import cache_dir, include_dir
from ..common.processes import run_in_group

MAX_DIAGNOSTIC_LINES = 40
MAX_DIAGNOSTIC_CHARS = 4000


@dataclass(frozen=True)
class CompileOutcome:
    """A compiled shared object, or the compiler's (trimmed) diagnostics."""

    source: Path
    shared_object: Path | None
    diagnostics: str
    cached: bool
    seconds: float

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
    return [*result, "-shared", "-fdiagnostics-color=never"]


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
    """
    source = Path(source)
    started = time.monotonic()
    text = source.read_bytes()
    key = cache_key(text, flags, cxx)
    target = cache_dir() / "so" / key[:2] / f"{key}.so"
    if target.is_file():
        return CompileOutcome(source, target, "", True, time.monotonic() - started)

    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix="build-") as build:
        build_source = Path(build) / "candidate.cpp"
        build_source.write_bytes(text)
        output = Path(build) / "candidate.so"
        command = [
            compiler_identity(cxx).split("\n")[0],
            *full_flags(flags),
            "-I",
            str(include_dir()),
            "-o",
            str(output),
            str(build_source),
        ]
        done = run_in_group(
            command,
            timeout=timeout,
            env={**os.environ, "LC_ALL": "C"},  # plain ASCII quotes in diagnostics
            merge_stderr=True,
        )
        if done.timed_out:
            return CompileOutcome(
                source,
                None,
                f"compiler timed out after {timeout:g} s",
                False,
                time.monotonic() - started,
            )
        if done.returncode != 0 or not output.is_file():
            return CompileOutcome(
                source,
                None,
                trim_diagnostics(done.stdout, str(build_source), source.name)
                or f"compiler exited with status {done.returncode}",
                False,
                time.monotonic() - started,
            )
        os.replace(output, target)
    return CompileOutcome(source, target, "", False, time.monotonic() - started)
