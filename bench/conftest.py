"""The bench/ suite under pytest-benchmark: ``pytest bench/ --benchmark-...`` (docs/benchmarks.md).

The task suite's timings are the harness's own (per call, in the sandboxed worker pinned
to the measurement CPU); ``ReplayClock`` hands them to pytest-benchmark one round at a
time, so its statistics, ``--benchmark-json``/``--benchmark-autosave`` and
``pytest-benchmark compare`` work on them. The protocol benchmarks time whole decisions
with pytest-benchmark's own clock.
"""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH), str(BENCH / "comparisons")]
