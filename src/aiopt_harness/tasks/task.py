"""Tasks: a directory with ``task.toml`` naming the initial program, its input generator
and the check."""

from __future__ import annotations

import shlex
import tomllib
from dataclasses import dataclass
from pathlib import Path

# builtin_task_roots and builtin_tasks are re-exported: callers import them from here
from .catalog import builtin_task_roots as builtin_task_roots
from .catalog import builtin_tasks as builtin_tasks
from .catalog import known_names, named_task, suite_task_name
from .generator import GeneratorError, TaskGenerator, fresh_seed

DEFAULT_CXXFLAGS: tuple[str, ...] = ("-O2", "-std=c++17", "-fPIC")
CHECK_KINDS = ("exact", "float64", "key_value", "decompress")
OBJECTIVES = ("time", "output_metric")
DIRECTIONS = ("maximize", "minimize")
DEFAULT_OUTPUT_CAPACITY = 1 << 20
MAX_OUTPUT_CAPACITY = 256 << 20


class TaskError(ValueError):
    """A task directory or its task.toml is malformed."""


@dataclass(frozen=True)
class CheckSpec:
    """How a candidate's output is compared with the reference output.

    ``exact``: equal bytes. ``float64``: little-endian float64 arrays, numpy.isclose with
    rtol/atol. ``key_value``: UTF-8 ``key=value`` lines, each key in ``require`` having
    the given value (the other values may differ from the reference's). ``decompress``:
    ``decompressor`` (a Python file of the task defining ``decompress(bytes) -> bytes``)
    must turn the output into what it turns the reference output into.
    """

    kind: str = "exact"
    rtol: float = 0.0
    atol: float = 0.0
    require: tuple[tuple[str, str], ...] = ()
    decompressor: Path | None = None


@dataclass(frozen=True)
class Objective:
    """What a better candidate improves: its time, or a metric its output reports."""

    kind: str = "time"
    metric: str | None = None  # for output_metric: the key=value line of the output
    direction: str = "minimize"


@dataclass(frozen=True)
class Task:
    name: str
    directory: Path
    initial: Path
    generator_path: Path
    output_capacity: int  # bytes of the output buffer every aiopt_run gets
    cxxflags: tuple[str, ...]
    check: CheckSpec
    objective: Objective = Objective()

    def generator(self) -> TaskGenerator:
        """The task's input generator (loaded once per task object)."""
        loaded = _GENERATORS.get(self.generator_path)
        if loaded is None:
            loaded = _GENERATORS[self.generator_path] = TaskGenerator(self.generator_path)
        return loaded


_GENERATORS: dict[Path, TaskGenerator] = {}


def _flags(value: object, where: Path) -> tuple[str, ...]:
    if value is None:
        return DEFAULT_CXXFLAGS
    if isinstance(value, str):
        return tuple(shlex.split(value))
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    raise TaskError(f"{where}: cxxflags must be a string or a list of strings")


def _check(value: object, where: Path, directory: Path) -> CheckSpec:
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
    if kind != "float64" and (rtol or atol):
        raise TaskError(f'{where}: rtol/atol apply only to kind = "float64"')
    require = value.get("require", {})
    if not isinstance(require, dict) or (require and kind != "key_value"):
        raise TaskError(f'{where}: require is a table, and only for kind = "key_value"')
    decompressor = None
    if kind == "decompress":
        name = value.get("decompressor")
        if not isinstance(name, str) or not (directory / name).is_file():
            raise TaskError(f'{where}: kind = "decompress" needs decompressor = "FILE.py"')
        decompressor = directory / name
    return CheckSpec(
        kind=kind,
        rtol=rtol,
        atol=atol,
        require=tuple(sorted((str(k), str(v)) for k, v in require.items())),
        decompressor=decompressor,
    )


def _objective(data: dict[str, object], where: Path) -> Objective:
    kind = data.get("objective", "time")
    if kind not in OBJECTIVES:
        raise TaskError(f"{where}: objective {kind!r} is not one of {', '.join(OBJECTIVES)}")
    if kind == "time":
        return Objective()
    metric = data.get("metric")
    direction = data.get("direction", "maximize")
    if not isinstance(metric, str) or not metric:
        raise TaskError(f'{where}: objective = "output_metric" needs metric = "NAME"')
    if direction not in DIRECTIONS:
        raise TaskError(f"{where}: direction must be one of {', '.join(DIRECTIONS)}")
    return Objective(kind="output_metric", metric=metric, direction=str(direction))


def find_task(spec: str | Path) -> Path:
    """A task directory from a path, or from the name of a built-in or suite task."""
    path = Path(spec)
    if path.exists():
        return path
    named = named_task(spec) if isinstance(spec, str) else None
    if named is not None:
        return named
    raise TaskError(f"no task {str(spec)!r}: not a directory nor a built-in task ({known_names()})")


def load_task(path: str | Path, *, check_inputs: bool = True) -> Task:
    """Reads ``DIR/task.toml``. ``path`` names the directory or the file, or is the name of
    a built-in task (``matmul``). ``check_inputs``: run the generator once (params and two
    seeds) to reject a task whose inputs do not change with the seed; off only where no
    input will be made (listing tasks: a generator's params may take seconds)."""
    path = find_task(path)
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

    if "inputs" in data or "timing_input" in data:
        raise TaskError(
            f'{toml_path}: input files are gone; a task has generator = "generator.py" '
            "(params() and generate(seed); see docs/tasks.md)"
        )
    generator_name = data.get("generator", "generator.py")
    if not isinstance(generator_name, str) or not (directory / generator_name).is_file():
        raise TaskError(f"{toml_path}: generator {generator_name!r} (a .py file) does not exist")
    capacity = data.get("output_capacity", DEFAULT_OUTPUT_CAPACITY)
    if not isinstance(capacity, int) or not 0 < capacity <= MAX_OUTPUT_CAPACITY:
        raise TaskError(f"{toml_path}: output_capacity must be 1 .. {MAX_OUTPUT_CAPACITY} bytes")

    task = Task(
        name=str(data.get("name", suite_task_name(directory) or directory.name)),
        directory=directory,
        initial=initial,
        generator_path=directory / generator_name,
        output_capacity=capacity,
        cxxflags=_flags(data.get("cxxflags"), toml_path),
        check=_check(data.get("check"), toml_path, directory),
        objective=_objective(data, toml_path),
    )
    if check_inputs:
        _require_seeded_inputs(task, toml_path)
    return task


def _require_seeded_inputs(task: Task, where: Path) -> None:
    """Rejects a task whose generator fails or gives the same input for two seeds (a
    candidate could then cache its answer); outputs are checked when the reference runs."""
    try:
        generator = task.generator()
        generator.params()
        first, second = generator.generate(fresh_seed()), generator.generate(fresh_seed())
    except GeneratorError as error:
        raise TaskError(str(error)) from error
    if first == second:
        raise TaskError(f"{where}: the generator gives the same input for different seeds")
