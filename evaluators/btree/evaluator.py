"""OpenEvolve evaluator of the btree task (see aiopt_harness.evolve.evaluator).

OpenEvolve passes the config's evaluator.evaluator_args (profile: true/false, and the
state directory that `aiopt evolve` adds) to evaluate() as keyword arguments.
"""

from typing import Any

from aiopt_harness.evolve.evaluation_backend import evaluate_for_task

TASK = 'btree'


def evaluate(program_path: str, **settings: Any) -> Any:
    return evaluate_for_task(TASK, program_path, **settings)
