"""Constrained answers, several per iteration, filtered by compile and check before
OpenEvolve evaluates one; every answer journaled and counted in the iteration log.

The LLM is a test double (a scripted client; end to end, the scripted OpenAI-compatible
server of tests/scripted_llm.py, which records each request body): what the filter and
the log say must be compared exactly. The compiler, the check, OpenEvolve and the
evaluator are real.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from openevolve.config import LLMModelConfig
from openevolve.llm.base import LLMInterface

from aiopt_harness.evolve.answer_filter import NO_CHANGE, NO_CHILD, PASSED, screen
from aiopt_harness.evolve.llm_client import GrammarOpenAILLM
from aiopt_harness.evolve.prompt_preview import initial_prompt
from aiopt_harness.evolve.run import EvolveOptions, run_evolve
from aiopt_harness.evolve.sampling import (
    JOURNAL,
    SamplingLLM,
    SamplingSettings,
    read_samples,
    sample_seed,
)
from aiopt_harness.llm.grammar import block_grammar, region_lines
from aiopt_harness.tasks.task import load_task
from tests.scripted_llm import GOOD_BLOCK, serving

MATMUL = load_task("matmul")
PARENT = MATMUL.initial.read_text()
GOOD = GOOD_BLOCK.replace("// idea: i-k-j loop order", "// Idea: i-k-j loop order")
COPY = (
    "```cpp\n// EVOLVE-BLOCK-START\n// Idea: keep it\n"
    + "\n".join(region_lines(PARENT) or [])
    + "\n// EVOLVE-BLOCK-END\n```"
)
BROKEN = GOOD.replace("const double aik = a[i * n + k];", "")
WRONG = GOOD.replace("c[i * n + j] += aik", "c[i * n + j] -= aik")


class ScriptedLLM(LLMInterface):
    """Answers from a script; records each request's keyword arguments."""

    def __init__(self, answers: list[str]) -> None:
        self.answers = list(answers)
        self.requests: list[dict[str, Any]] = []
        self.last_usage: dict[str, Any] | None = None

    async def generate(self, prompt: str, **kwargs: Any) -> str:
        raise AssertionError("OpenEvolve's worker calls generate_with_context")

    async def generate_with_context(
        self, system_message: str, messages: list[dict[str, str]], **kwargs: Any
    ) -> str:
        self.requests.append(kwargs)
        self.last_usage = {"prompt_tokens": 100, "completion_tokens": 10, "total_tokens": 110}
        return self.answers.pop(0)


def _ask(tmp_path: Path, answers: list[str], samples: int = 4) -> tuple[str, ScriptedLLM, Any]:
    scripted = ScriptedLLM(answers)
    settings = SamplingSettings(task="matmul", state_dir=str(tmp_path), samples=samples)
    client = SamplingLLM(settings, LLMModelConfig(name="scripted"), inner=scripted)
    prompt = initial_prompt(MATMUL)
    messages = [{"role": "user", "content": prompt["user"]}]
    answer = asyncio.run(client.generate_with_context(prompt["system"], messages, seed=11))
    return answer, scripted, client


def test_the_filter_passes_a_changed_correct_child_only() -> None:
    assert screen(PARENT, GOOD, False, "matmul").outcome == PASSED
    assert screen(PARENT, COPY, False, "matmul").outcome == NO_CHANGE
    assert screen(PARENT, "no code here", False, "matmul").outcome in (NO_CHILD, NO_CHANGE)
    assert screen(PARENT, BROKEN, False, "matmul").outcome == "compile_error"
    assert screen(PARENT, WRONG, False, "matmul").outcome == "wrong_output"


def test_answers_are_asked_until_one_passes_and_each_is_journaled(tmp_path: Path) -> None:
    answer, scripted, client = _ask(tmp_path, [COPY, BROKEN, GOOD, WRONG])
    assert answer == GOOD
    assert len(scripted.requests) == 3  # the fourth is never asked
    assert [r["seed"] for r in scripted.requests] == [sample_seed(11, i) for i in range(3)]
    assert len({r["seed"] for r in scripted.requests}) == 3
    assert all(r["grammar"] == block_grammar() for r in scripted.requests)
    assert client.last_usage["completion_tokens"] == 30  # every answer counts
    assert client.last_usage["requests"] == 3
    (record,) = read_samples(tmp_path).values()
    assert record["asked"] == 3 and record["passed"] == 1
    assert record["filtered"] == {"no_change": 1, "compile_error": 1}
    assert [a["outcome"] for a in record["answers"]] == ["no_change", "compile_error", "passed"]
    assert record["answers"][1]["answer"] == BROKEN


def test_when_none_passes_the_furthest_answer_goes_on(tmp_path: Path) -> None:
    answer, _, _ = _ask(tmp_path, [COPY, WRONG, BROKEN], samples=3)
    assert answer == WRONG  # it compiled: further than a copy or a compile error
    record = json.loads((tmp_path / JOURNAL).read_text().splitlines()[-1])
    assert record["asked"] == 3 and record["passed"] == 0
    assert record["filtered"] == {"no_change": 1, "wrong_output": 1, "compile_error": 1}


def test_the_grammar_goes_in_the_request_body() -> None:
    with serving(["x", "y"]) as server:
        config = LLMModelConfig(
            name="scripted", api_base=server.api_base, api_key="none", temperature=0.7,
            max_tokens=64, timeout=30, retries=0, retry_delay=0,
        )  # fmt: skip
        client = GrammarOpenAILLM(config)
        messages = [{"role": "user", "content": "hi"}]
        asyncio.run(client.generate_with_context("s", messages, grammar='root ::= "x"'))
        asyncio.run(client.generate_with_context("s", messages))
    assert server.requests[0]["grammar"] == 'root ::= "x"'
    assert "grammar" not in server.requests[1]


def test_a_constrained_run_logs_every_answer_per_iteration(tmp_path: Path) -> None:
    with serving([COPY, GOOD, BROKEN, BROKEN], default=WRONG) as server:
        summary = run_evolve(
            EvolveOptions(
                task="matmul",
                iterations=2,
                output=tmp_path / "run",
                profile=False,
                api_base=server.api_base,
                model="scripted",
                constrained=True,
                samples=3,
                evaluation_budget=0.3,
            ),
            say=lambda line: None,
        )
    assert all(r["grammar"] == block_grammar() for r in server.requests)
    records = [json.loads(ln) for ln in (tmp_path / "run" / "iterations.jsonl").open()]
    assert [r["iteration"] for r in records] == [1, 2]
    first, second = records
    assert first["samples"] == {
        "asked": 2, "passed": 1, "filtered": {"no_change": 1}, "budget_stop": None,
    }  # fmt: skip
    assert first["outcome"] == "ok" and first["valid"]
    # iteration 2's parent is iteration 1's child or the initial program: either way
    # BROKEN, BROKEN and WRONG fail the filter, and WRONG (it compiled) goes on
    assert second["samples"]["asked"] == 3 and second["samples"]["passed"] == 0
    assert second["outcome"] == "wrong_output"
    assert summary.answers_asked == 5 and summary.answers_passed == 1
    assert summary.answers_filtered == {"no_change": 1, "compile_error": 2, "wrong_output": 1}
    assert summary.constrained is True
    config = (tmp_path / "run" / "config.yaml").read_text()
    assert "constrained decoding (block)" in config
