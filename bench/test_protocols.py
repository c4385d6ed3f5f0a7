"""Seconds per decision of each protocol in ``comparisons/`` (pytest-benchmark's own
clock, a few rounds), with each round's verdicts in extra_info. The false-positive and
detection rates need many trials: ``python bench/comparisons/run.py`` (docs/benchmarks.md).

  pytest bench/test_protocols.py --benchmark-json=protocols.json
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kernels import Kernels
from run import PROTOCOLS

ROUNDS = int(os.environ.get("AIOPT_BENCH_ROUNDS", "3"))
BUDGET = float(os.environ.get("AIOPT_BENCH_BUDGET", "1.0"))


@pytest.fixture(scope="module")
def kernels() -> Iterator[Kernels]:
    with tempfile.TemporaryDirectory(prefix="aiopt-bench-") as scratch:
        yield Kernels.write(Path(scratch))


@pytest.mark.benchmark(group="protocols: seconds per decision")
@pytest.mark.parametrize("scenario", ["aa_same", "slow5"])
@pytest.mark.parametrize("protocol", sorted(PROTOCOLS))
def test_decision(benchmark: Any, kernels: Kernels, protocol: str, scenario: str) -> None:
    a, b = (kernels.initial, kernels.initial if scenario == "aa_same" else kernels.slow[5])
    verdicts: list[dict[str, str]] = []

    def decide() -> None:
        decisions = PROTOCOLS[protocol](a, b, BUDGET)
        verdicts.append({d.protocol: d.verdict for d in decisions})

    benchmark.pedantic(decide, rounds=ROUNDS, iterations=1)
    benchmark.extra_info["verdicts"] = verdicts
    benchmark.extra_info["budget_seconds"] = BUDGET
    assert len(verdicts) == ROUNDS
