"""The repair round: an answer that gives no program that compiles is answered with the
compiler's (or the parser's) words, once, and the iteration log says so.

The LLM here is a test double (a scripted client, and for the end-to-end run a scripted
OpenAI-compatible HTTP server on 127.0.0.1): the repair logic needs exact answers to
check what it sends back. The compiler, OpenEvolve and the evaluator are real.
"""

from __future__ import annotations

import asyncio
import json
import logging
import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openevolve.config import LLMModelConfig
from openevolve.llm.base import LLMInterface

from aiopt_harness.evolve.prompt_preview import initial_prompt
from aiopt_harness.evolve.repair import (
    JOURNAL,
    RepairingLLM,
    RepairSettings,
    child_program,
    first_error,
    is_diff_prompt,
    parent_program,
    read_journal,
    repair_client,
)
from aiopt_harness.sandbox.verdict import Status
from aiopt_harness.tasks.task import load_task
from tests.scripted_llm import GOOD_BLOCK, ScriptedServer, serving

MATMUL = load_task("matmul")

# The mistake the 1.5B model makes most: a variable it no longer declares.
BROKEN_BLOCK = GOOD_BLOCK.replace("const double aik = a[i * n + k];", "").replace(
    "aik *", "scale *"
)


class ScriptedLLM(LLMInterface):
    """Test double: answers from a script and records every conversation it gets."""

    def __init__(self, answers: list[str]) -> None:
        self.answers = list(answers)
        self.conversations: list[list[dict[str, str]]] = []
        self.last_usage: dict[str, Any] | None = None

    async def generate(self, prompt: str, **kwargs: Any) -> str:
        raise AssertionError("OpenEvolve's worker calls generate_with_context")

    async def generate_with_context(
        self, system_message: str, messages: list[dict[str, str]], **kwargs: Any
    ) -> str:
        self.conversations.append(list(messages))
        self.last_usage = {"prompt_tokens": 100, "completion_tokens": 10, "total_tokens": 110}
        return self.answers.pop(0)


def _client(tmp_path: Path, answers: list[str], rounds: int = 1) -> tuple[RepairingLLM, Any]:
    scripted = ScriptedLLM(answers)
    settings = RepairSettings(task="matmul", state_dir=str(tmp_path), max_rounds=rounds)
    return RepairingLLM(settings, LLMModelConfig(name="scripted"), inner=scripted), scripted


def _ask(client: RepairingLLM, prompt: dict[str, str]) -> str:
    messages = [{"role": "user", "content": prompt["user"]}]
    return asyncio.run(client.generate_with_context(prompt["system"], messages))


def test_the_parent_program_is_read_from_the_rendered_prompt() -> None:
    prompt = initial_prompt(MATMUL)["user"]
    assert parent_program(prompt) == MATMUL.initial.read_text()
    assert not is_diff_prompt(prompt)
    btree = load_task("btree")
    diff_prompt = initial_prompt(btree, {"profile": "```\nnot the program\n```"})["user"]
    assert is_diff_prompt(diff_prompt)
    assert parent_program(diff_prompt) == btree.initial.read_text()
    assert parent_program("a prompt of another template") is None


def test_first_error_is_the_error_line_with_its_caret() -> None:
    diagnostics = (
        "program.cpp: In function 'void multiply(int, const double*, const double*, double*)':\n"
        "program.cpp:24:52: error: 'scale' was not declared in this scope\n"
        "   24 |       for (int j = 0; j < n; ++j) c[i * n + j] += scale * b[k * n + j];\n"
        "      |                                                    ^~~~~\n"
        "program.cpp:30:1: error: expected '}' at end of input\n"
    )
    shown = first_error(diagnostics)
    assert (
        shown.splitlines()[0] == "program.cpp:24:52: error: 'scale' was not declared in this scope"
    )
    assert (
        shown.splitlines()[-1].strip()
        == "|                                                    ^~~~~".strip()
    )
    assert "expected '}'" not in shown
    assert first_error("ld: cannot find -lfoo\n") == "ld: cannot find -lfoo"


def test_answers_that_give_no_child_are_named() -> None:
    parent = MATMUL.initial.read_text()
    same_block = (
        "```cpp\n"
        + parent[parent.index("// EVOLVE-BLOCK-START") :].split("// EVOLVE-BLOCK-END")[0]
        + "// EVOLVE-BLOCK-END\n```"
    )
    cases = {
        parent: "repeats the program unchanged",
        "I would reorder the loops.": "does not keep the EVOLVE-BLOCK markers",
        same_block: "does not change the code between the EVOLVE-BLOCK markers",
    }
    for answer, problem in cases.items():
        verdict = child_program(parent, answer, diff_based=False)
        assert verdict.problem is not None and problem in verdict.problem, (answer, verdict)
    assert child_program(parent, GOOD_BLOCK, diff_based=False).problem is None


def test_a_search_text_that_matches_nothing_is_shown() -> None:
    parent = load_task("btree").initial.read_text()
    answer = "<<<<<<< SEARCH\n  int no_such_line = 0;\n=======\n  int x = 1;\n>>>>>>> REPLACE\n"
    verdict = child_program(parent, answer, diff_based=True)
    assert verdict.problem is not None and "does not appear" in verdict.problem
    assert "int no_such_line = 0;" in verdict.detail
    assert "no SEARCH/REPLACE" in str(child_program(parent, "no blocks", diff_based=True).problem)


def test_a_compile_error_is_sent_back_and_the_fixed_answer_returned(tmp_path: Path) -> None:
    client, scripted = _client(tmp_path, [BROKEN_BLOCK, GOOD_BLOCK])
    answer = _ask(client, initial_prompt(MATMUL))
    assert answer == GOOD_BLOCK
    assert len(scripted.conversations) == 2
    retry = scripted.conversations[1]
    assert [m["role"] for m in retry] == ["user", "assistant", "user"]
    assert retry[1]["content"] == BROKEN_BLOCK
    assert "does not compile" in retry[2]["content"]
    assert "error: 'scale' was not declared in this scope" in retry[2]["content"]
    assert "### profile" not in retry[2]["content"]  # compiler words only, both tracks
    assert client.last_usage is not None and client.last_usage["prompt_tokens"] == 200
    assert client.last_usage["requests"] == 2
    journal = read_journal(tmp_path)
    assert len(journal) == 1
    (record,) = journal.values()
    assert record["fixed"] is True and record["rounds"][0]["problem"] == "does not compile."


def test_an_answer_that_compiles_is_not_asked_again(tmp_path: Path) -> None:
    client, scripted = _client(tmp_path, [GOOD_BLOCK])
    assert _ask(client, initial_prompt(MATMUL)) == GOOD_BLOCK
    assert len(scripted.conversations) == 1
    assert not (tmp_path / JOURNAL).exists()


def test_repair_off_and_a_failed_repair(tmp_path: Path) -> None:
    off, scripted = _client(tmp_path / "off", [BROKEN_BLOCK], rounds=0)
    assert _ask(off, initial_prompt(MATMUL)) == BROKEN_BLOCK
    assert len(scripted.conversations) == 1
    twice, scripted = _client(tmp_path / "on", [BROKEN_BLOCK, BROKEN_BLOCK])
    assert _ask(twice, initial_prompt(MATMUL)) == BROKEN_BLOCK
    (record,) = read_journal(tmp_path / "on").values()
    assert record["fixed"] is False and record["remaining_problem"] == "does not compile."


def test_the_hook_survives_pickling_into_a_worker(tmp_path: Path) -> None:
    hook = repair_client(RepairSettings(task="matmul", state_dir=str(tmp_path)))
    client = pickle.loads(pickle.dumps(hook))(
        LLMModelConfig(name="m", api_base="http://127.0.0.1:9/v1", api_key="none")
    )
    assert isinstance(client, RepairingLLM) and client.settings.state_dir == str(tmp_path)


# --- end to end: aiopt evolve against a scripted OpenAI-compatible server -------------


@pytest.fixture
def scripted_server() -> Iterator[ScriptedServer]:
    with serving([BROKEN_BLOCK, GOOD_BLOCK], default=GOOD_BLOCK) as server:
        yield server


def test_evolve_repairs_a_compile_error_end_to_end(
    tmp_path: Path, scripted_server: ScriptedServer
) -> None:
    from aiopt_harness.evolve.run import EvolveOptions, run_evolve

    host, port = scripted_server.server_address[:2]
    options = EvolveOptions(
        task="matmul",
        iterations=1,
        output=tmp_path / "run",
        profile=False,
        api_base=f"http://{host}:{port}/v1",
        model="scripted",
    )
    handlers = list(logging.getLogger().handlers)
    summary = run_evolve(options, say=lambda line: None)
    assert logging.getLogger().handlers == handlers  # OpenEvolve's are gone with its run
    assert len(scripted_server.requests) == 2
    assert (
        "error: 'scale' was not declared" in scripted_server.requests[1]["messages"][-1]["content"]
    )
    (record,) = [json.loads(line) for line in (tmp_path / "run" / "iterations.jsonl").open()]
    assert record["outcome"] == "ok" and record["valid"] is True, record
    assert record["repair"] == {"problems": ["does not compile."], "fixed": True}
    assert record["prompt_tokens"] == 100  # both requests counted
    assert summary.repaired == 1 and summary.repaired_valid == 1


def test_a_run_whose_iterations_all_fail_still_reports_the_initial_programs_speedup(
    tmp_path: Path,
) -> None:
    from aiopt_harness.evolve.run import EvolveOptions, run_evolve

    with serving([], default="I would reorder the loops.") as server:  # never a program
        options = EvolveOptions(
            task="matmul", iterations=1, output=tmp_path / "run", profile=False,
            api_base=server.api_base, model="scripted",
        )  # fmt: skip
        summary = run_evolve(options, say=lambda line: None)
    assert "EvolutionFailedError" in str(summary.error)
    assert summary.best_speedup is not None and summary.best_status is Status.OK, summary
    assert summary.iterations_logged == 1 and summary.repaired == 1
