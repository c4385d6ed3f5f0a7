"""How the embedded model should be asked: answers to one task's first prompt, sampled
under several settings, each put through the cheap filter (compile + check, nothing
timed; ``evolve/answer_filter.py``).

Per task and setting: answers asked, how many passed the filter, the outcomes of the
others, median completion tokens and LLM seconds per answer, and LLM seconds per answer
that passed (the cost of one valid candidate, before its evaluation). A setting is
``FORMAT@TEMPERATURE``: ``block`` (the whole EVOLVE block under the block grammar),
``unit`` (one SEARCH/REPLACE pair over one function, under the unit grammar) or
``free`` (the block prompt without a grammar: how the model was asked before).

Usage (one server for the whole run, about 10-40 s per answer on 2 cores):
    python bench/sampling_settings.py --tasks matmul --settings block@0.3,block@0.7,block@1.0 \
        --answers 6
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from openevolve.config import Config, LLMModelConfig  # noqa: E402
from openevolve.prompt.sampler import PromptSampler  # noqa: E402

from aiopt_harness.evolve.answer_filter import screen  # noqa: E402
from aiopt_harness.evolve.config import task_config  # noqa: E402
from aiopt_harness.evolve.llm_client import GrammarOpenAILLM  # noqa: E402
from aiopt_harness.evolve.sampling import answer_grammar, sample_seed  # noqa: E402
from aiopt_harness.tasks.task import Task, load_task  # noqa: E402


def first_prompt(task: Task, edit: str) -> dict[str, str]:
    """The prompt of the task's first iteration in the given edit format."""
    config = task_config(task, edit="block" if edit == "free" else edit)
    code = task.initial.read_text()
    sampler = PromptSampler(Config.from_dict(config).prompt)
    prompt: dict[str, str] = sampler.build_prompt(
        current_program=code, parent_program=code,
        program_metrics={"combined_score": 0.98, "speedup": 1.0, "code_lines": 10.0},
        previous_programs=[], top_programs=[], inspirations=[], language="cpp",
        evolution_round=1, diff_based_evolution=config["diff_based_evolution"],
        program_artifacts=None, feature_dimensions=["code_lines", "speedup"],
    )  # fmt: skip
    return prompt


async def sample(
    client: GrammarOpenAILLM, task: Task, setting: str, answers: int, max_tokens: int
) -> list[dict[str, Any]]:
    edit, _, temperature = setting.partition("@")
    prompt = first_prompt(task, edit)
    parent = task.initial.read_text()
    diff_based = edit == "unit"
    grammar = None if edit == "free" else answer_grammar(parent, diff_based)
    rows = []
    for index in range(answers):
        request: dict[str, Any] = {
            "temperature": float(temperature or 0.7),
            "max_tokens": max_tokens,
            "seed": sample_seed(1000 + hash(setting) % 1000, index),
        }
        if grammar is not None:
            request["grammar"] = grammar
        started = time.monotonic()
        messages = [{"role": "user", "content": prompt["user"]}]
        answer = await client.generate_with_context(prompt["system"], messages, **request)
        seconds = time.monotonic() - started
        verdict = screen(parent, answer or "", diff_based, str(task.directory))
        usage = client.last_usage or {}
        rows.append({
            "task": task.name, "setting": setting, "outcome": verdict.outcome,
            "detail": verdict.detail, "llm_seconds": round(seconds, 2),
            "completion_tokens": usage.get("completion_tokens"), "answer": answer,
        })  # fmt: skip
        tokens = usage.get("completion_tokens")
        print(f"  {task.name} {setting} #{index + 1}: {verdict.outcome} ({seconds:.0f} s, "
              f"{tokens} tokens)", flush=True)  # fmt: skip
    return rows


def table(rows: list[dict[str, Any]]) -> None:
    print(f"\n{'task':<13}{'setting':<12}{'asked':>6}{'passed':>7}{'tokens':>8}{'LLM s':>7}"
          f"{'s/pass':>8}  filtered out")  # fmt: skip
    keys = sorted({(r["task"], r["setting"]) for r in rows}, key=lambda k: (k[0], k[1]))
    for task, setting in keys:
        mine = [r for r in rows if r["task"] == task and r["setting"] == setting]
        passed = sum(1 for r in mine if r["outcome"] == "passed")
        seconds = sum(r["llm_seconds"] for r in mine)
        tokens = statistics.median([r["completion_tokens"] or 0 for r in mine])
        per_pass = f"{seconds / passed:.0f}" if passed else "-"
        others = Counter(r["outcome"] for r in mine if r["outcome"] != "passed")
        print(f"{task:<13}{setting:<12}{len(mine):>6}{passed:>7}{tokens:>8.0f}"
              f"{statistics.median([r['llm_seconds'] for r in mine]):>7.0f}{per_pass:>8}  "
              f"{dict(others)}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", default="matmul")
    parser.add_argument("--settings", default="block@0.3,block@0.7,block@1.0")
    parser.add_argument("--answers", type=int, default=6)
    parser.add_argument("--max-tokens", type=int, default=2048)
    parser.add_argument("--api-base", default=None, help="a running server (default: start one)")
    parser.add_argument("--output", type=Path, default=None, help="every answer, as JSON lines")
    args = parser.parse_args()
    from aiopt_harness.llm.server import LocalLlmServer

    rows: list[dict[str, Any]] = []
    server = None if args.api_base else LocalLlmServer().start()

    async def run_all(api_base: str) -> None:
        client = GrammarOpenAILLM(LLMModelConfig(
            name="local", api_base=api_base, api_key="local", temperature=0.7,
            max_tokens=args.max_tokens, timeout=900, retries=0, retry_delay=0,
        ))  # fmt: skip
        for name in args.tasks.split(","):
            for setting in args.settings.split(","):
                rows.extend(
                    await sample(client, load_task(name), setting, args.answers, args.max_tokens)
                )
                if args.output:
                    args.output.write_text("".join(json.dumps(r) + "\n" for r in rows))

    try:
        asyncio.run(run_all(args.api_base or (server.api_base if server else "")))
    finally:
        if server is not None:
            server.stop()
    table(rows)


if __name__ == "__main__":
    main()
