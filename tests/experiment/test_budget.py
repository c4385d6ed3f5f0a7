"""A paid endpoint's budget per track: a run stops asking once its track's budget is
spent and says so, later runs of the track are not started, and ``aiopt experiment
status`` shows tokens and cost spent and left and valid changes per 1,000 tokens.

The endpoint is the scripted OpenAI-compatible server (tests/scripted_llm.py: 50 prompt
and 5 completion tokens per answer); OpenEvolve, the compiler and the evaluator are real.
"""

from __future__ import annotations

import json
from pathlib import Path

from aiopt_harness.experiment.layout import ExperimentDir
from aiopt_harness.experiment.runner import run_experiment
from aiopt_harness.experiment.spec import load_spec
from aiopt_harness.experiment.status import experiment_progress, format_status, track_spend
from tests.scripted_llm import distinct_programs, serving

SPEC = """\
name = "budget"
output = "out"
tasks = ["matmul"]
seeds = [1, 2]
iterations = 3

[budgets]
evaluation_seconds = 0.3
profile_seconds = 0.3
max_tokens = 256
repairs = 1

[tracks.B]
api_base = "{api_base}"
model = "scripted"
profile = false
token_budget = 100
price_prompt = 2.0
price_completion = 10.0
"""


def test_a_track_stops_asking_when_its_budget_is_spent(tmp_path: Path) -> None:
    with serving([], default=distinct_programs()) as server:
        path = tmp_path / "spec.toml"
        path.write_text(SPEC.format(api_base=server.api_base))
        spec = load_spec(path)
        lines: list[str] = []
        run_experiment(spec, say=lines.append)
    assert len(server.requests) == 2  # 0 and 55 tokens before them; 110 >= 100 after
    experiment = ExperimentDir(spec.output)
    first, second = spec.runs()
    run = experiment.state(first)
    records = [json.loads(ln) for ln in (run.directory / "iterations.jsonl").open()]
    assert [r["outcome"] for r in records] == ["ok", "ok", "budget_spent"]
    summary = json.loads((run.directory / "summary.json").read_text())
    assert summary["budget_spent"] == 1
    assert any("stopped asking: track B's budget is spent" in line for line in lines), lines
    assert experiment.state(second).state == "budget_spent"
    assert any("matmul-B-s2] not started: track budget spent" in line for line in lines)
    spend = track_spend(spec, spec.track("B"), experiment_progress(spec))
    assert (spend.requests, spend.tokens, spend.valid) == (2, 110, 2)
    assert spend.cost is not None and abs(spend.cost - 2 * (50 * 2.0 + 5 * 10.0) / 1e6) < 1e-12
    status = format_status(spec, experiment_progress(spec))
    assert "track B: 110 tokens in 2 requests of 100 (0 left)" in status, status
    assert "2 valid changes, 18.182 per 1,000 tokens" in status, status
    assert "2 of 2 runs done" in status
