"""What a seed makes reproducible: OpenEvolve's choices of parents and inspirations (its
database's random_seed from our config) repeat for the same seed. Timing does not repeat
(see docs/experiment.md); the embedded LLM's sampling seed is tested in tests/llm."""

from __future__ import annotations

import random

from openevolve.config import Config
from openevolve.database import Program, ProgramDatabase

from aiopt_harness.evolve.config import task_config
from aiopt_harness.tasks.task import load_task


def sampled_parents(seed: int) -> list[str]:
    config = Config.from_dict(task_config(load_task("matmul"), seed=seed))
    random.seed(12345)  # a different global state before each database: it must not matter
    database = ProgramDatabase(config.database)
    for index in range(12):
        database.add(
            Program(
                id=f"p{index}",
                code=f"int f() {{ return {index}; }}\n" * (index + 1),
                language="cpp",
                metrics={
                    "combined_score": 1.0 + index / 10,
                    "status": "ok",
                    "speedup": 1.0 + index / 10,
                    "code_lines": float(index + 1),
                },
            )
        )
    picks = []
    for _ in range(15):
        parent, inspirations = database.sample(num_inspirations=2)
        picks.append(parent.id + ":" + ",".join(sorted(p.id for p in inspirations)))
    return picks


def test_the_same_seed_samples_the_same_parents_and_inspirations() -> None:
    assert sampled_parents(7) == sampled_parents(7)


def test_another_seed_samples_differently() -> None:
    assert sampled_parents(7) != sampled_parents(8)
