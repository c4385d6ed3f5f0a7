"""One repair round per iteration: when the LLM's answer gives no program that compiles,
the LLM sees what went wrong (the compiler's first error, a SEARCH text that matches
nothing, no code block, no change) and answers once more.

OpenEvolve builds its LLM clients through ``LLMModelConfig.init_client``;
:func:`repair_client` is that hook (a picklable ``functools.partial``, so that worker
processes get it whether they are forked or spawned). The wrapped client turns the answer
into the child program exactly as OpenEvolve's worker will (the same ``code_utils``
functions, EVOLVE-BLOCK enforcement included) and compiles it with the task's flags; the
compiled object lands in the compile cache, where the evaluation finds it.

The repair is the same for both tracks: its message holds the compiler's or the parser's
words only, never profiler output. Each repair is journaled in ``repairs.jsonl`` in the
state directory (keyed by the SHA-256 of the answer OpenEvolve received), and
``iteration_log`` joins it to the iteration.
"""

from __future__ import annotations

import functools
import hashlib
import multiprocessing
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from openevolve.config import LLMModelConfig
from openevolve.llm.base import LLMInterface
from openevolve.utils.code_utils import (
    apply_diff_blocks,
    enforce_evolve_blocks,
    extract_diffs,
    parse_full_rewrite,
)

from ..build.compiler import compile_candidate
from ..common.jsonl import append_jsonl, read_jsonl
from ..common.processes import die_with_parent
from ..common.scratch import scratch_directory
from ..tasks.task import load_task
from .llm_client import raw_client
from .spend import SpendSettings

JOURNAL = "repairs.jsonl"
# How our prompt templates (evolve/prompts) show the parent program.
PROGRAM_HEADING = "# The program (fitness"
SEARCH_MARKER = "<<<<<<< SEARCH"
FIRST_ERROR_CONTEXT_LINES = 3  # lines after the error line: the source line and the caret
MAX_DETAIL_CHARS = 1200

REPAIR_MESSAGE = """\
Your answer {problem}

{detail}

Answer again in the same format as before, with this fixed. Keep your idea; change only
what is needed."""


@dataclass(frozen=True)
class RepairSettings:
    task: str  # task directory or built-in name (its compiler flags)
    state_dir: str  # where repairs.jsonl goes
    max_rounds: int = 1  # repair requests per iteration; 0 turns repair off
    spend: SpendSettings | None = None  # the track's ledger and budget


@dataclass(frozen=True)
class Verdict:
    """What the answer gives: a child that compiles (``problem`` None), or the problem."""

    problem: str | None  # "does not compile", "has no ```cpp code block", ...
    detail: str = ""
    child: str | None = None


def first_error(diagnostics: str) -> str:
    """The compiler's first error with its source line and caret, or the start of the
    output when no line says ``error:``."""
    lines = diagnostics.splitlines()
    for index, line in enumerate(lines):
        if ": error:" in line or ": fatal error:" in line:
            shown = [line]
            for follower in lines[index + 1 : index + 1 + FIRST_ERROR_CONTEXT_LINES]:
                if not follower.startswith(" "):  # the next diagnostic, not context
                    break
                shown.append(follower)
            return "\n".join(shown)[:MAX_DETAIL_CHARS]
    return "\n".join(lines[:4])[:MAX_DETAIL_CHARS]


def parent_program(prompt: str) -> str | None:
    """The program our templates show under ``# The program (fitness ...)``."""
    heading = prompt.find(PROGRAM_HEADING)
    if heading < 0:
        return None
    fence = prompt.find("```", heading)
    if fence < 0:
        return None
    start = prompt.find("\n", fence) + 1
    end = prompt.find("\n```", start)
    if start <= 0 or end < 0:
        return None
    return prompt[start:end]


def is_diff_prompt(prompt: str) -> bool:
    """Whether the prompt asks for SEARCH/REPLACE blocks (in its instructions, which come
    before the program)."""
    heading = prompt.find(PROGRAM_HEADING)
    return SEARCH_MARKER in (prompt[:heading] if heading >= 0 else prompt)


def child_program(parent: str, answer: str, diff_based: bool) -> Verdict:
    """The child OpenEvolve's worker makes of ``answer`` (process_parallel.py), or why
    it makes none."""
    if diff_based:
        try:
            blocks = extract_diffs(answer)
        except ValueError as error:
            return Verdict("has a malformed SEARCH/REPLACE block.", str(error))
        if not blocks:
            return Verdict(
                "has no SEARCH/REPLACE block.",
                "Use the form <<<<<<< SEARCH, the old lines, =======, the new lines, "
                ">>>>>>> REPLACE.",
            )
        child, applied = apply_diff_blocks(parent, blocks)
        if applied == 0:
            first_line = next((ln for ln in blocks[0][0].splitlines() if ln.strip()), "")
            return Verdict(
                "has SEARCH text that does not appear in the program.",
                "Copy the SEARCH lines exactly from the program, whole lines, with their "
                f"indentation. This line was not found:\n{first_line[:200]}",
            )
    else:
        code = parse_full_rewrite(answer, "cpp")
        if not code:
            return Verdict("has no ```cpp code block.", "Answer with one ```cpp code block.")
        if code == parent:
            return Verdict("repeats the program unchanged.", "Change the code.")
        child = code
    try:
        child = enforce_evolve_blocks(parent, child)
    except ValueError as error:
        return Verdict(
            "does not keep the EVOLVE-BLOCK markers.",
            f"{error}. Keep the lines // EVOLVE-BLOCK-START and // EVOLVE-BLOCK-END.",
        )
    if child == parent:
        return Verdict(
            "does not change the code between the EVOLVE-BLOCK markers.",
            "Change the code between // EVOLVE-BLOCK-START and // EVOLVE-BLOCK-END.",
        )
    return Verdict(None, child=child)


def compile_problem(child: str, cxxflags: list[str]) -> Verdict:
    """``child`` compiled with the task's flags (into the compile cache)."""
    with scratch_directory("repair") as directory:
        source = Path(directory) / "program.cpp"
        source.write_text(child)
        compiled = compile_candidate(source, cxxflags)
    if compiled.ok:
        return Verdict(None, child=child)
    return Verdict(
        "does not compile.",
        "The compiler's first error:\n```\n" + first_error(compiled.diagnostics) + "\n```",
        child,
    )


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class RepairingLLM(LLMInterface):  # type: ignore[misc]  # openevolve is untyped
    """An OpenAI-compatible client that asks again when the answer gives no program
    that compiles (see the module docstring)."""

    def __init__(
        self,
        settings: RepairSettings,
        model_cfg: LLMModelConfig,
        inner: LLMInterface | None = None,
    ) -> None:
        self.settings = settings
        if multiprocessing.parent_process() is not None:  # an OpenEvolve worker process
            die_with_parent()
        if inner is None:
            # the answers journaled by request: a resumed run asks nothing twice
            inner = raw_client(model_cfg, Path(settings.state_dir), settings.spend)
        self.inner = inner
        self.last_usage: dict[str, Any] | None = None
        self._cxxflags: list[str] | None = None

    def cxxflags(self) -> list[str]:
        if self._cxxflags is None:
            self._cxxflags = list(load_task(self.settings.task).cxxflags)
        return self._cxxflags

    async def generate(self, prompt: str, **kwargs: Any) -> str:
        return cast(str, await self.inner.generate(prompt, **kwargs))

    def judge(self, parent: str, answer: str, diff_based: bool) -> Verdict:
        verdict = child_program(parent, answer, diff_based)
        if verdict.problem is not None or verdict.child is None:
            return verdict
        return compile_problem(verdict.child, self.cxxflags())

    async def generate_with_context(
        self, system_message: str, messages: list[dict[str, str]], **kwargs: Any
    ) -> str:
        started = time.monotonic()
        answer = cast(
            str, await self.inner.generate_with_context(system_message, messages, **kwargs)
        )
        usage = [getattr(self.inner, "last_usage", None)]
        self.last_usage = usage[0]
        prompt = messages[-1].get("content", "") if messages else ""
        parent = parent_program(prompt)
        if self.settings.max_rounds <= 0 or parent is None or answer is None:
            return answer
        diff_based = is_diff_prompt(prompt)
        conversation = list(messages)
        rounds: list[dict[str, Any]] = []
        verdict = self.judge(parent, answer, diff_based)
        while verdict.problem is not None and len(rounds) < self.settings.max_rounds:
            rounds.append({"problem": verdict.problem, "detail": verdict.detail})
            conversation += [
                {"role": "assistant", "content": answer},
                {
                    "role": "user",
                    "content": REPAIR_MESSAGE.format(
                        problem=verdict.problem, detail=verdict.detail
                    ),
                },
            ]
            try:
                retry = await self.inner.generate_with_context(
                    system_message, conversation, **kwargs
                )
            except Exception as error:  # keep the first answer: OpenEvolve judges it
                rounds[-1]["llm_error"] = f"{type(error).__name__}: {error}"[:300]
                break
            usage.append(getattr(self.inner, "last_usage", None))
            if retry is None:
                break
            answer = cast(str, retry)
            verdict = self.judge(parent, answer, diff_based)
        self.last_usage = summed_usage(usage)
        if rounds:
            self._journal(answer, rounds, verdict, time.monotonic() - started)
        return answer

    def _journal(
        self, answer: str, rounds: list[dict[str, Any]], verdict: Verdict, seconds: float
    ) -> None:
        record = {
            "response_sha256": _sha256(answer),
            "rounds": rounds,
            "fixed": verdict.problem is None,
            "remaining_problem": verdict.problem,
            "seconds": round(seconds, 3),
        }
        append_jsonl(Path(self.settings.state_dir) / JOURNAL, record)


def summed_usage(usages: list[dict[str, Any] | None]) -> dict[str, Any] | None:
    """Token counts of every request of the iteration added up (repairs and samples)."""
    present = [u for u in usages if u]
    if not present:
        return None
    total = dict(present[-1])
    for key in ("prompt_tokens", "completion_tokens", "total_tokens"):
        total[key] = sum(int(u.get(key) or 0) for u in present)
    total["requests"] = len(usages)
    return total


def _make_client(settings: RepairSettings, model_cfg: LLMModelConfig) -> RepairingLLM:
    return RepairingLLM(settings, model_cfg)


def repair_client(settings: RepairSettings) -> Callable[[LLMModelConfig], LLMInterface]:
    """The ``init_client`` hook of every model of a run (picklable)."""
    return functools.partial(_make_client, settings)


def read_journal(state_dir: Path) -> dict[str, dict[str, Any]]:
    """The repairs of a run by the SHA-256 of the answer OpenEvolve received."""
    return records_by_answer(state_dir / JOURNAL)


def records_by_answer(path: Path) -> dict[str, dict[str, Any]]:
    """A journal's records (JSON lines; a line cut by a kill is skipped) by their
    ``response_sha256``, the answer OpenEvolve received."""
    found: dict[str, dict[str, Any]] = {}
    for record in read_jsonl(path):
        if isinstance(record.get("response_sha256"), str):
            found[record["response_sha256"]] = record
    return found
