"""Tasks: a directory with ``task.toml`` naming the initial program, inputs and check."""

from __future__ import annotations

import shlex
import tomllib
from dataclasses import dataclass
from pathlib import Path

DEFAULT_CXXFLAGS: tuple[str, ...] = ("-O2", "-std=c++17", "-fPIC")
CHECK_KINDS = ("exact", "float64")


class TaskError(ValueError):
    """A task directory or its task.toml is malformed."""


@dataclass(frozen=True)
class CheckSpec:
    """How a candidate's output is compared with the reference output."""

    kind: str = "exact"
    rtol: float = 0.0
    atol: float = 0.0


@dataclass(frozen=True)
class Task:
    name: str
    directory: Path
    initial: Path
    inputs: tuple[Path, ...]
    cxxflags: tuple[str, ...]
    check: CheckSpec
    timing_input: Path

    def read_inputs(self) -> list[bytes]:
        return [path.read_bytes() for path in self.inputs]


def _flags(value: object, where: Path) -> tuple[str, ...]:
    if value is None:
        return DEFAULT_CXXFLAGS
    if isinstance(value, str):
        return tuple(shlex.split(value))
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise TaskError(f"{where}: cxxflags must be a string or a list of strings")


def _check(value: object, where: Path) -> CheckSpec:
    if value is None:
        return CheckSpec()
    if not isinstance(value, dict):
        raise TaskError(f"{where}: [check] must be a table")
    kind = value.get("kind", "exact")
    if kind not in CHECK_KINDS:
        raise TaskError(f"{where}: check kind {kind!r} is not one of {', '.join(CHECK_KINDS)}")
    try:
        rtol = float(value.get("rtol", 0.0))
        atol = float(value.get("atol", 0.0))
    except (TypeError, ValueError) as error:
        raise TaskError(f"{where}: rtol/atol must be numbers") from error
    if rtol < 0 or atol < 0:
        raise TaskError(f"{where}: rtol/atol must not be negative")
    if kind == "exact" and (rtol or atol):
        raise TaskError(f'{where}: rtol/atol apply only to kind = "float64"')
    return CheckSpec(kind=kind, rtol=rtol, atol=atol)


def load_task(path: str | Path) -> Task:
    """Reads ``DIR/task.toml`` (``path`` may name the directory or the file)."""
    path = Path(path)
    toml_path = path if path.name == "task.toml" else path / "task.toml"
    if not toml_path.is_file():
        raise TaskError(f"no task.toml in {path}")
    directory = toml_path.parent.resolve()
    try:
        data = tomllib.loads(toml_path.read_text())
    except tomllib.TOMLDecodeError as error:
        raise TaskError(f"{toml_path}: {error}") from error

    initial_name = data.get("initial")
    if not isinstance(initial_name, str):
        raise TaskError(f"{toml_path}: 'initial' (the initial program's file) is required")
    initial = directory / initial_name
    if not initial.is_file():
        raise TaskError(f"{toml_path}: initial program {initial} does not exist")

    input_names = data.get("inputs")
    if not isinstance(input_names, list) or not input_names:
        raise TaskError(f"{toml_path}: 'inputs' must be a non-empty list of files")
    inputs = []
    for name in input_names:
        if not isinstance(name, str):
            raise TaskError(f"{toml_path}: inputs must be file names")
        input_path = directory / name
        if not input_path.is_file():
            raise TaskError(f"{toml_path}: input {input_path} does not exist")
        inputs.append(input_path)

    timing_name = data.get("timing_input", input_names[0])
    if not isinstance(timing_name, str) or timing_name not in input_names:
        raise TaskError(f"{toml_path}: timing_input must be one of the inputs")

    return Task(
        name=str(data.get("name", directory.name)),
        directory=directory,
        initial=initial,
        inputs=tuple(inputs),
        cxxflags=_flags(data.get("cxxflags"), toml_path),
        check=_check(data.get("check"), toml_path),
        timing_input=directory / timing_name,
    )
