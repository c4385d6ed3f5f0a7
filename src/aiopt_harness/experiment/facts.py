"""What an experiment ran with: versions (harness, OpenEvolve, compiler, model file); the
machine's facts are ``common.machine``. Each fact that cannot be read says
``unavailable: <reason>``."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from pathlib import Path
from typing import Any

from ..common.machine import UNAVAILABLE, machine
from ..llm.model import QWEN_CODER_1_5B, verified_model

__all__ = ["machine", "versions"]


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return f"{UNAVAILABLE}{package} is not installed"


def _compiler() -> str:
    try:
        shown = subprocess.run(["g++", "--version"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"{UNAVAILABLE}g++: {error}"
    return shown.stdout.splitlines()[0] if shown.stdout else f"{UNAVAILABLE}g++ said nothing"


def _checkout_commit() -> str:
    root = Path(__file__).resolve().parents[3]
    if not (root / ".git").exists():
        return f"{UNAVAILABLE}not run from a git checkout"
    try:
        shown = subprocess.run(
            ["git", "-C", str(root), "describe", "--always", "--dirty"],
            capture_output=True, text=True, timeout=20,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"{UNAVAILABLE}git: {error}"
    return shown.stdout.strip() or f"{UNAVAILABLE}git: {shown.stderr.strip()[:200]}"


def versions(uses_embedded_model: bool) -> dict[str, Any]:
    model: dict[str, str] = {"name": QWEN_CODER_1_5B.filename, "sha256": QWEN_CODER_1_5B.sha256}
    if uses_embedded_model:
        path = verified_model()
        model["file"] = str(path) if path else f"{UNAVAILABLE}not downloaded yet"
    return {
        "aiopt_harness": _version("aiopt-harness"),
        "checkout": _checkout_commit(),
        "openevolve": _version("openevolve"),
        "llama_cpp_python": _version("llama-cpp-python"),
        "python": sys.version.split()[0],
        "compiler": _compiler(),
        "embedded_model": model if uses_embedded_model else "not used",
    }
