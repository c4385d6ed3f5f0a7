"""A task's input generator: trusted code on the harness's side of the sandbox.

``generator.py`` in the task directory defines ``params() -> bytes`` (the task's fixed
parameters, given to ``aiopt_init`` once per loaded copy) and ``generate(seed) -> bytes``
(one timed input, a pure function of a 64-bit seed). Every timed call gets an input made
from a fresh seed, so no candidate can have seen it before; the binary layouts are in
the task's NOTES.md.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

SEED_BITS = 64


class GeneratorError(ValueError):
    """A task's generator is missing, malformed, or returns something other than bytes."""


def fresh_seed() -> int:
    """A seed no earlier call has used (64 random bits from the OS)."""
    return int.from_bytes(os.urandom(SEED_BITS // 8), "little")


def _load_module(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"aiopt_task_generator_{path.parent.name}", path)
    if spec is None or spec.loader is None:
        raise GeneratorError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as error:  # a task's own code: report it as the task's problem
        raise GeneratorError(f"{path}: {type(error).__name__}: {error}") from error
    return module


class TaskGenerator:
    """The loaded ``generator.py`` of one task."""

    def __init__(self, path: Path) -> None:
        self.path = path
        module = _load_module(path)
        params = getattr(module, "params", None)
        generate = getattr(module, "generate", None)
        if not callable(params) or not callable(generate):
            raise GeneratorError(f"{path} must define params() and generate(seed)")
        self._params_function: Callable[[], object] = params
        self._generate: Callable[[int], object] = generate
        self._params: bytes | None = None

    def params(self) -> bytes:
        """The task's fixed parameters (computed once)."""
        if self._params is None:
            value = self._params_function()
            if not isinstance(value, bytes | bytearray):
                raise GeneratorError(f"{self.path}: params() returned {type(value).__name__}")
            self._params = bytes(value)
        return self._params

    def generate(self, seed: int) -> bytes:
        """The input of ``seed`` (0 <= seed < 2**64)."""
        value = self._generate(seed)
        if not isinstance(value, bytes | bytearray):
            raise GeneratorError(f"{self.path}: generate() returned {type(value).__name__}")
        return bytes(value)
