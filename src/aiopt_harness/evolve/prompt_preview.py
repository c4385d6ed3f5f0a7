"""The mutation prompt OpenEvolve builds for a task's initial program, rendered with this
harness's templates: what the LLM sees in the first iteration (tests and benchmarks)."""

from __future__ import annotations

from typing import Any

from openevolve.config import Config
from openevolve.prompt.sampler import PromptSampler

from ..tasks.task import Task
from .config import task_config


def initial_prompt(task: Task, artifacts: dict[str, str] | None = None) -> dict[str, str]:
    """``{"system": ..., "user": ...}`` for the task's initial program as the parent,
    with ``artifacts`` as its evaluation's artifacts."""
    config = task_config(task)
    sampler = PromptSampler(Config.from_dict(config).prompt)
    code = task.initial.read_text()
    metrics: dict[str, Any] = {"combined_score": 0.98, "speedup": 1.0, "code_lines": 10.0}
    prompt: dict[str, str] = sampler.build_prompt(
        current_program=code,
        parent_program=code,
        program_metrics=metrics,
        previous_programs=[],
        top_programs=[],
        inspirations=[],
        language="cpp",
        evolution_round=1,
        diff_based_evolution=config["diff_based_evolution"],
        program_artifacts=artifacts,
        feature_dimensions=["code_lines", task.objective.metric or "speedup"],
    )
    return prompt
