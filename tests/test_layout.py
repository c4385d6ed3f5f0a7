"""The package's import graph points only downwards along the data path.

tasks -> build -> sandbox -> measurement -> profilers -> evolve -> experiment -> analysis -> cli: a
module may import its own subpackage, the subpackages below its stage, and
``common``/``_core`` (the foundation); never a stage above it, nor a different
subpackage of its own stage. The profilers do not import each other: their shared
helpers live in ``profilers.shared``. Inside a subpackage the modules import each other
without a cycle, counting imports inside functions (a deferred import hides a cycle, it
does not remove it) and leaving out ``if TYPE_CHECKING:`` blocks (never run). Importing a
pure-Python module loads neither numpy nor the C++ core.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import types
from pathlib import Path

import aiopt_harness

PACKAGE = Path(aiopt_harness.__file__).resolve().parent
STAGES = {
    "_core": 0,
    "common": 0,
    "tasks": 1,
    "build": 2,
    "sandbox": 3,
    "measurement": 4,
    "profilers": 5,
    "llm": 5,
    "evolve": 6,
    "noise": 6,
    "experiment": 7,
    "analysis": 8,
    "cli": 9,
    "__init__": 10,
}
PROFILER_MODULES = {"causal", "counters", "offcpu", "sampling", "simulated"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _imports(path: Path) -> list[str]:
    """Absolute names of the aiopt_harness modules (or names) ``path`` imports."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if target.startswith("aiopt_harness"):
                found.extend(f"{target}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.extend(a.name for a in node.names if a.name.startswith("aiopt_harness"))
    return found


def _module_imports(path: Path) -> set[str]:
    """The aiopt_harness modules ``path`` imports when it runs (at module level or inside
    a function; not under ``if TYPE_CHECKING:``), each name imported from a module
    counted as that module."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                visit(node.orelse)
                continue
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    target = ".".join([*base, node.module] if node.module else base)
                else:
                    target = node.module or ""
                for alias in node.names:
                    full = f"{target}.{alias.name}"
                    found.add(full if full in MODULES else target)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.stmt):
                    visit([child])
                elif isinstance(child, (ast.excepthandler, ast.match_case)):
                    visit(child.body)

    visit(ast.parse(path.read_text()).body)
    return {module for module in found if module in MODULES and module != name}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of ``graph`` with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                connect(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def _subpackage(module: str) -> str:
    return ".".join(module.split(".")[:2])


def _cycles_inside_subpackages() -> list[list[str]]:
    graph = {
        module: {
            other
            for other in _module_imports(path)
            if _subpackage(other) == _subpackage(module) and other != _subpackage(module)
        }
        for module, path in MODULES.items()
    }
    return _cycles(graph)


def _stage(module: str) -> tuple[str, int]:
    parts = module.split(".")
    top = parts[1] if len(parts) > 1 else "__init__"
    if top not in STAGES:  # a name imported from the package itself
        top = "__init__"
    return top, STAGES[top]


def test_imports_point_down_the_data_path() -> None:
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        importer = _module_name(path)
        top, level = _stage(importer)
        for imported in _imports(path):
            other, other_level = _stage(imported)
            if other == top:
                parts, own = imported.split("."), importer.split(".")
                if (
                    top == "profilers"
                    and len(parts) > 2
                    and len(own) > 2
                    and parts[2] in PROFILER_MODULES
                    and own[2] in PROFILER_MODULES
                    and parts[2] != own[2]
                ):
                    wrong.append(f"{importer} -> {imported} (one profiler imports another)")
                continue
            if other_level >= level and not (top == "__init__" and path.name == "__init__.py"):
                wrong.append(f"{importer} ({top}) -> {imported} ({other})")
    assert not wrong, "imports against the data path:\n" + "\n".join(wrong)


def test_the_walk_sees_relative_imports() -> None:
    """The checker resolves ``from ..x import y`` (or it would pass vacuously)."""
    imports = _imports(PACKAGE / "measurement" / "harness.py")
    assert "aiopt_harness.measurement.session.run_session" in imports
    assert "aiopt_harness.tasks.task.Task" in imports


def test_no_import_cycle_inside_a_subpackage() -> None:
    """None at all: evolve/evaluator.py and evolve/remote_evaluation.py imported each other
    until local or remote evaluation was chosen above the evaluator (evaluation_backend)."""
    cycles = _cycles_inside_subpackages()
    assert not cycles, "modules of one subpackage that import each other:\n" + "\n".join(
        " <-> ".join(cycle) for cycle in cycles
    )


def test_the_cycle_check_sees_deferred_imports_and_skips_type_checking() -> None:
    """The checker finds a cycle closed by an import inside a function, and leaves out
    imports only type checkers run (or it would pass vacuously, or fail for nothing)."""
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []
    context = _module_imports(PACKAGE / "profilers" / "context.py")
    assert "aiopt_harness.profilers.recording" in context  # inside perf_recording()
    recording = _module_imports(PACKAGE / "profilers" / "recording.py")
    assert "aiopt_harness.profilers.context" not in recording  # under TYPE_CHECKING only


def test_pure_python_modules_load_neither_numpy_nor_the_core() -> None:
    code = (
        "import sys\n"
        "import aiopt_harness.sandbox.worker_client, aiopt_harness.tasks.task\n"
        "import aiopt_harness.build.compiler, aiopt_harness.evolve.fitness\n"
        "print(sorted(m for m in ('numpy', 'aiopt_harness._core') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_the_public_api_is_lazy_and_complete() -> None:
    """Every public name resolves to what it names, never to a subpackage of that name
    (a submodule import sets an attribute that would shadow __getattr__)."""
    import aiopt_harness.measurement.harness
    import aiopt_harness.profilers.profiling

    for name in aiopt_harness.__all__:
        assert not isinstance(getattr(aiopt_harness, name), types.ModuleType), name
    assert callable(aiopt_harness.measure) and callable(aiopt_harness.check)
