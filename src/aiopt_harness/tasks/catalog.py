"""Where the built-in tasks are and what they are called.

A built-in task is a directory with ``task.toml`` directly under a root (``programs/``:
inside the installed package, or the checkout's), named by its directory (``matmul``).
A suite is a directory under a root that holds ``suite.toml`` and tasks of its own; its
tasks are named ``SUITE.TASK`` (``perf_ninja.vectorization_2``), so that a name is also a
file name (runs, evaluators and baselines are kept under it).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from ..common.paths import package_dir

SUITE_FILE = "suite.toml"
SEPARATOR = "."


@dataclass(frozen=True)
class Suite:
    """A set of tasks from one source, with their attribution (``suite.toml``)."""

    name: str
    directory: Path
    title: str
    tasks: tuple[tuple[str, Path], ...]  # (qualified name, directory), sorted by name


def builtin_task_roots() -> list[Path]:
    """Where built-in tasks live: inside the installed package, or the checkout's programs/."""
    package = package_dir()
    return [p for p in (package / "programs", package.parent.parent / "programs") if p.is_dir()]


def builtin_tasks() -> dict[str, Path]:
    """Name -> directory of every built-in task outside suites (the first root holding a
    name wins)."""
    found: dict[str, Path] = {}
    for root in builtin_task_roots():
        for toml in sorted(root.glob("*/task.toml")):
            found.setdefault(toml.parent.name, toml.parent)
    return found


def _suite_title(path: Path) -> str:
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError):
        return path.parent.name
    title = data.get("title")
    return title if isinstance(title, str) else path.parent.name


def task_suites() -> dict[str, Suite]:
    """Name -> suite, for every suite under the roots (the first root holding a name wins)."""
    found: dict[str, Suite] = {}
    for root in builtin_task_roots():
        for marker in sorted(root.glob(f"*/{SUITE_FILE}")):
            directory = marker.parent
            if directory.name in found:
                continue
            tasks = tuple(
                (f"{directory.name}{SEPARATOR}{toml.parent.name}", toml.parent)
                for toml in sorted(directory.glob("*/task.toml"))
            )
            found[directory.name] = Suite(directory.name, directory, _suite_title(marker), tasks)
    return found


def suite_tasks() -> dict[str, Path]:
    """Qualified name (``SUITE.TASK``) -> directory of every task of every suite."""
    return {name: path for suite in task_suites().values() for name, path in suite.tasks}


def suite_task_name(directory: Path) -> str | None:
    """``SUITE.TASK`` when ``directory`` is a task of a suite (its parent has suite.toml)."""
    if (directory.parent / SUITE_FILE).is_file():
        return f"{directory.parent.name}{SEPARATOR}{directory.name}"
    return None


def named_task(name: str) -> Path | None:
    """The directory of the built-in or suite task of this name, if there is one."""
    if "/" in name:
        return None
    return builtin_tasks().get(name) or suite_tasks().get(name)


def known_names() -> str:
    """The built-in names, and each suite as ``SUITE.*`` with its task count (for errors)."""
    names = sorted(builtin_tasks())
    names += [f"{s.name}.* ({len(s.tasks)} tasks)" for s in task_suites().values()]
    return ", ".join(names) or "none installed"
