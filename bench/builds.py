"""Running ``compare`` in another build of the harness: a Python interpreter with
aiopt-harness installed, and the checkout it was installed from (its tasks and variants;
an earlier build's candidate ABI may differ). The benchmarks alternate their compares
between builds so that slow periods of the machine hit all of them alike."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SNIPPET = """
import json, sys, time
from aiopt_harness import compare
started = time.monotonic()
r = compare(sys.argv[1], sys.argv[2], task=sys.argv[3], **json.loads(sys.argv[4]))
metric = None
if r.baseline_metric is not None and r.candidate_metric is not None:
    metric = [r.baseline_metric.value, r.candidate_metric.value]
median = r.baseline_time_ns.median if r.baseline_time_ns is not None else None
print(json.dumps({"status": str(r.status), "message": r.message, "speedup": r.speedup,
                  "low": r.ci_low, "high": r.ci_high, "metric": metric,
                  "baseline_median_ns": median, "seconds": time.monotonic() - started}))
"""


@dataclass
class Build:
    python: str
    root: Path

    @classmethod
    def parse(cls, spec: str) -> Build:
        python, _, root = spec.partition(":")
        return cls(python, Path(root or ROOT))

    @classmethod
    def from_args(cls, specs: list[str]) -> list[Build]:
        return [cls.parse(s) for s in specs] or [cls(sys.executable, ROOT)]

    def compare(
        self, baseline: Path, candidate: Path, task: Path, **options: Any
    ) -> dict[str, Any]:
        """One compare in this build's interpreter; raises on a status other than ok."""
        done = subprocess.run(
            [self.python, "-c", SNIPPET, str(baseline), str(candidate), str(task),
             json.dumps(options)],
            capture_output=True, text=True, check=True, cwd="/",
        )  # fmt: skip
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        if result["status"] != "ok":
            raise RuntimeError(f"{self.python}: {result['status']}: {result['message']}")
        return result
