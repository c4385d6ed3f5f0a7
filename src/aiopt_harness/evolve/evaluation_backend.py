"""Where an evaluation runs: here (``evolve/evaluator.py``) or on a Ray cluster
(``evolve/remote_evaluation.py``), chosen by the run's ``ray_address``.

This is what OpenEvolve calls (through ``evaluators/TASK/evaluator.py`` and the
``evaluator.py`` a run writes): the config's ``evaluator_args`` arrive as keyword
arguments. The choice is made here, above both, so that the local evaluator knows
nothing of Ray and the remote one uses the local evaluator on its nodes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from openevolve.evaluation_result import EvaluationResult

from .evaluator import EvaluatorSettings, evaluate_program


def evaluate_for_task(
    task: str, program_path: str, ray_address: str | None = None, **settings: Any
) -> EvaluationResult:
    """Evaluates one candidate on the Ray cluster at ``ray_address``, or here (None or
    empty); never raises."""
    evaluator_settings = EvaluatorSettings(task=task, **settings)
    if ray_address:
        from .remote_evaluation import evaluate_remotely

        return evaluate_remotely(Path(program_path), evaluator_settings, ray_address)
    return evaluate_program(program_path, evaluator_settings)
