"""Local or Ray evaluation is chosen above the evaluator: ``evaluation_backend`` picks,
``evaluator`` knows nothing of Ray, and the two evaluation modules do not import each
other in a cycle."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

import aiopt_harness.evolve.remote_evaluation as remote_evaluation
from aiopt_harness.evolve import evaluation_backend
from aiopt_harness.evolve.evaluator import EvaluatorSettings

EVOLVE = Path(evaluation_backend.__file__).parent


def _imported(module: str) -> set[str]:
    tree = ast.parse((EVOLVE / f"{module}.py").read_text())
    return {
        node.module or ""
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
    } | {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import)
         for alias in node.names}  # fmt: skip


def test_the_evaluator_knows_nothing_of_ray() -> None:
    assert not {"remote_evaluation", "evaluation_backend", "ray"} & _imported("evaluator")
    assert "ray" not in (EVOLVE / "evaluator.py").read_text().lower()
    assert "evaluation_backend" not in _imported("remote_evaluation")


@pytest.mark.parametrize("address", [None, "", "10.0.0.1:6379"])
def test_the_backend_chooses_by_the_address(
    address: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, Any]] = []
    monkeypatch.setattr(
        evaluation_backend,
        "evaluate_program",
        lambda path, settings: calls.append(("here", (path, settings))),
    )
    monkeypatch.setattr(
        remote_evaluation,
        "evaluate_remotely",
        lambda path, settings, at: calls.append(("ray", (path, settings, at))),
    )
    evaluation_backend.evaluate_for_task(
        "matmul", "/tmp/p.cpp", ray_address=address, profile=False, budget=0.5
    )
    settings = EvaluatorSettings(task="matmul", profile=False, budget=0.5)
    if address:
        assert calls == [("ray", (Path("/tmp/p.cpp"), settings, address))]
    else:
        assert calls == [("here", ("/tmp/p.cpp", settings))]
