"""The OpenEvolve configuration of a task: one template for every task and both tracks.

The committed ``evaluators/TASK/config.yaml`` files are written by this module
(``python -m aiopt_harness.evolve.config evaluators``) and a test keeps them in sync. The
settings that OpenEvolve 0.4's pitfalls require are set here: C++ with diff-based
evolution; our own cascade inside ``evaluate`` (OpenEvolve's passes no evaluator_args to
stage functions); artifacts kept for every parent (``max_snapshot_artifacts: null``); the
evolution trace with failed iterations; seeds everywhere.
"""

from __future__ import annotations

import argparse
import copy
from pathlib import Path
from typing import Any

import yaml

from ..tasks.task import Task, builtin_tasks, load_task

LOCAL_API_BASE = "http://127.0.0.1:8080/v1"
LOCAL_MODEL = "qwen2.5-coder-1.5b-instruct-q4_k_m"

TIME_GOAL = (
    "Make aiopt_run faster while its output stays the same (every output is compared "
    "with the original program's output on the same input)."
)
METRIC_GOAL = (
    "Raise the {metric} that the program reports ({direction}) while its output stays "
    "well-formed; speed matters only as far as runs stay within a few tens of ms."
)
SYSTEM_MESSAGE = (
    "You are an expert C++ performance engineer. You improve one self-contained C++17 "
    "program that uses only the standard library. {goal} Change only the code between "
    '// EVOLVE-BLOCK-START and // EVOLVE-BLOCK-END. Keep the extern "C" functions '
    "aiopt_init, aiopt_run and aiopt_fini and what they do: aiopt_init gets the task's "
    "fixed parameters; aiopt_run gets a new input on every call and writes the whole "
    "output into out before it returns; threads must be joined before it returns."
)
# How the LLM states its change (the same for both tracks of a task): a region of at most
# this many lines is rewritten whole ("block"), a larger one is edited with SEARCH/REPLACE
# blocks ("diff"). A 1.5B model copies a short region reliably and a SEARCH text rarely.
BLOCK_REWRITE_MAX_LINES = 100
# With constrained decoding (evolve/sampling.py) a region of at most this many lines is
# rewritten whole; in a larger one the LLM replaces one unit (a function, a type, a
# declaration) with one SEARCH/REPLACE pair whose SEARCH the grammar holds to a unit.
CONSTRAINED_BLOCK_MAX_LINES = 70
PROMPTS_DIR = Path(__file__).resolve().parent / "prompts"
UNIT_PROMPTS_DIR = PROMPTS_DIR / "unit"  # the one-unit SEARCH/REPLACE instructions
# How the committed evaluators/TASK/config.yaml files name it (relative to themselves;
# OpenEvolve resolves it so): the checkout's templates.
CHECKOUT_TEMPLATE_DIR = "../../src/aiopt_harness/evolve/prompts"


def evolve_block_lines(task: Task) -> int:
    """Lines between the EVOLVE-BLOCK markers of the task's initial program."""
    text = task.initial.read_text(errors="replace")
    start, end = text.find("// EVOLVE-BLOCK-START"), text.find("// EVOLVE-BLOCK-END")
    if start < 0 or end < start:
        return len(text.splitlines())
    return text[start:end].count("\n") - 1


def edit_format(task: Task) -> str:
    """ "block" (the LLM rewrites the whole EVOLVE block) or "diff" (SEARCH/REPLACE)."""
    return "block" if evolve_block_lines(task) <= BLOCK_REWRITE_MAX_LINES else "diff"


def constrained_edit_format(task: Task) -> str:
    """ "block" (the whole EVOLVE block) or "unit" (one function or type of it), for a
    run with constrained decoding."""
    return "block" if evolve_block_lines(task) <= CONSTRAINED_BLOCK_MAX_LINES else "unit"


def _system_message(task: Task) -> str:
    objective = task.objective
    goal = (
        METRIC_GOAL.format(metric=objective.metric, direction=objective.direction)
        if objective.metric
        else TIME_GOAL
    )
    return SYSTEM_MESSAGE.format(goal=goal)


def task_config(
    task: Task,
    *,
    profile: bool = True,
    seed: int = 42,
    template_dir: str | None = None,
    edit: str | None = None,
) -> dict[str, Any]:
    """The OpenEvolve config of ``task`` as a dict (YAML-ready). ``template_dir``: where
    the prompt templates are, as the config should name it (default: this package's);
    ``edit``: "block", "diff" or "unit" (one SEARCH/REPLACE pair over one function, for
    constrained decoding) (default: :func:`edit_format`)."""
    objective_feature = task.objective.metric or "speedup"
    mode = edit or edit_format(task)
    if mode not in ("block", "diff", "unit"):
        raise ValueError(f"edit format {mode!r}: choose block, diff or unit")
    if mode == "unit" and template_dir is None:
        template_dir = str(UNIT_PROMPTS_DIR)
    return {
        "max_iterations": 100,
        "checkpoint_interval": 5,
        "log_level": "INFO",
        "random_seed": seed,
        "language": "cpp",
        "file_suffix": ".cpp",
        "diff_based_evolution": mode in ("diff", "unit"),
        # A rewritten block comes back without the rest of the program: OpenEvolve puts it
        # between the parent's markers, and reverts any edit outside them.
        "enforce_evolve_blocks": True,
        "max_code_length": 40000,
        "llm": {
            "api_base": LOCAL_API_BASE,
            "api_key": "none",
            "models": [{"name": LOCAL_MODEL, "weight": 1.0}],
            "temperature": 0.7,
            "max_tokens": 2048,
            "timeout": 600,
            "retries": 1,
            "retry_delay": 5,
            "random_seed": seed,
        },
        "prompt": {
            "system_message": _system_message(task),
            # Our templates (evolve/prompts) show the parent, its artifacts and one worked
            # example, static text first so that the server reuses its cached prefix.
            "template_dir": template_dir or str(PROMPTS_DIR),
            "use_template_stochasticity": False,
            "num_top_programs": 1,
            "num_diverse_programs": 1,
            "include_artifacts": True,
            "max_artifact_bytes": 8192,
            "artifact_security_filter": True,
        },
        "database": {
            "population_size": 200,
            "archive_size": 50,
            "num_islands": 2,
            "feature_dimensions": ["code_lines", objective_feature],
            "feature_bins": 8,
            "random_seed": seed,
            "max_snapshot_artifacts": None,
        },
        "evaluator": {
            "timeout": 300,
            "max_retries": 0,
            "cascade_evaluation": False,
            "parallel_evaluations": 1,
            "enable_artifacts": True,
            "evaluator_args": {"profile": profile},
        },
        "evolution_trace": {
            "enabled": True,
            "format": "jsonl",
            "include_code": True,
            "include_prompts": True,
            "include_failures": True,
            # every record on disk at once: a killed run keeps all it finished
            "buffer_size": 1,
        },
    }


def with_overrides(
    config: dict[str, Any],
    *,
    api_base: str | None = None,
    model: str | None = None,
    api_key: str | None = None,
    max_tokens: int | None = None,
    iterations: int | None = None,
    state_dir: Path | None = None,
    require_containment: bool = False,
) -> dict[str, Any]:
    """A copy of ``config`` with a run's settings."""
    result = copy.deepcopy(config)
    llm = result["llm"]
    if api_base is not None:
        llm["api_base"] = api_base
    if model is not None:
        llm["models"] = [{"name": model, "weight": 1.0}]
    if api_key is not None:
        llm["api_key"] = api_key
    if max_tokens is not None:
        llm["max_tokens"] = max_tokens
    if iterations is not None:
        result["max_iterations"] = iterations
    if state_dir is not None:
        result["evaluator"]["evaluator_args"]["state_dir"] = str(state_dir)
    if require_containment:
        result["evaluator"]["evaluator_args"]["require_containment"] = True
    return result


def config_yaml(config: dict[str, Any], header: str = "") -> str:
    return header + str(yaml.safe_dump(config, sort_keys=False, width=88))


EVALUATOR_FILE = '''"""OpenEvolve evaluator of the {name} task (see aiopt_harness.evolve.evaluator).

OpenEvolve passes the config's evaluator.evaluator_args (profile: true/false, and the
state directory that `aiopt evolve` adds) to evaluate() as keyword arguments.
"""

from typing import Any

from aiopt_harness.evolve.evaluation_backend import evaluate_for_task

TASK = {task!r}


def evaluate(program_path: str, **settings: Any) -> Any:
    return evaluate_for_task(TASK, program_path, **settings)
'''

CONFIG_HEADER = (
    "# OpenEvolve config of the {name} task, written by "
    "`python -m aiopt_harness.evolve.config evaluators`.\n"
    "# The profiler-on and profiler-off tracks differ only in "
    "evaluator.evaluator_args.profile.\n"
)


def evaluator_source(name: str, task: str) -> str:
    return EVALUATOR_FILE.format(name=name, task=task)


def write_task_files(directory: Path, task: Task, task_reference: str) -> None:
    """Writes ``evaluator.py`` and ``config.yaml`` of one task into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "evaluator.py").write_text(evaluator_source(task.name, task_reference))
    (directory / "config.yaml").write_text(
        config_yaml(
            task_config(task, template_dir=CHECKOUT_TEMPLATE_DIR),
            CONFIG_HEADER.format(name=task.name),
        )
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write evaluators/TASK/ for every task.")
    parser.add_argument("directory", type=Path)
    args = parser.parse_args(argv)
    for name in builtin_tasks():
        write_task_files(args.directory / name, load_task(name), name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
