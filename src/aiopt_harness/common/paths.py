"""Where the harness keeps things: the ABI header and the cache directory."""

from __future__ import annotations

import os
from pathlib import Path


def package_dir() -> Path:
    """The installed ``aiopt_harness`` package directory."""
    return Path(__file__).resolve().parent.parent


def include_dir() -> Path:
    """The directory holding ``aiopt.h``, for ``-I`` when compiling candidates."""
    return package_dir() / "include"


def cache_dir() -> Path:
    """The harness's cache (compiled objects, reference outputs).

    ``$AIOPT_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/aiopt-harness`` or
    ``~/.cache/aiopt-harness``.
    """
    explicit = os.environ.get("AIOPT_CACHE_DIR")
    if explicit:
        path = Path(explicit)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        path = Path(base) / "aiopt-harness"
    path.mkdir(parents=True, exist_ok=True)
    return path
