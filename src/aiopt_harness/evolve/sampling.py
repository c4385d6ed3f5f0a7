"""Constrained answers, several per iteration, filtered before OpenEvolve evaluates one.

With ``constrained`` on (the embedded model's default), the client OpenEvolve builds
through ``LLMModelConfig.init_client`` (:func:`sampling_client`) asks in a form a small
model cannot get wrong: each request carries a GBNF grammar (``llm/grammar.py``) so that
the answer is exactly one EVOLVE block (block tasks) or exactly one SEARCH/REPLACE pair
whose SEARCH is one whole function or type of the block (unit tasks). It asks up to
``samples`` answers, each with its own seed, and stops at the first that passes the cheap
filter (``answer_filter``: a changed child that compiles and passes the check on a few
inputs, nothing timed). OpenEvolve gets that answer, or, when none passes, the one that
got furthest (its failure is then recorded as usual).

Every answer is journaled in ``samples.jsonl`` in the state directory, keyed by the
SHA-256 of the answer OpenEvolve received: how many were asked, how many were filtered
out and why, each one's outcome, tokens and seconds; ``iteration_log`` joins it to the
iteration. The tokens of all answers count to the iteration.
"""

from __future__ import annotations

import functools
import hashlib
import multiprocessing
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from openevolve.config import LLMModelConfig
from openevolve.llm.base import LLMInterface

from ..common.jsonl import append_jsonl
from ..common.processes import die_with_parent
from ..llm.grammar import block_grammar, unit_grammar
from .answer_filter import Screened, screen
from .llm_client import raw_client
from .repair import is_diff_prompt, parent_program, records_by_answer, summed_usage
from .spend import BudgetSpent, SpendSettings

JOURNAL = "samples.jsonl"
SEED_STRIDE = 7919  # sample i of a request is asked with seed + i * SEED_STRIDE


@dataclass(frozen=True)
class SamplingSettings:
    task: str  # task directory or built-in name (flags and check)
    state_dir: str  # where samples.jsonl goes
    samples: int = 4  # answers asked at most per iteration
    grammar: bool = True  # constrain each answer with a GBNF grammar
    spend: SpendSettings | None = None  # the track's ledger and budget


def answer_grammar(parent: str, diff_based: bool) -> str | None:
    """The grammar of an answer to a prompt showing ``parent`` (None: none applies)."""
    return unit_grammar(parent) if diff_based else block_grammar()


def sample_seed(seed: Any, index: int) -> int | None:
    """The seed of sample ``index`` (None: the request had none)."""
    if not isinstance(seed, int):
        return None
    return (seed + index * SEED_STRIDE) & 0x7FFFFFFF


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class SamplingLLM(LLMInterface):  # type: ignore[misc]  # openevolve is untyped
    """Asks up to ``samples`` constrained answers and returns the first that passes the
    filter (see the module docstring)."""

    def __init__(
        self,
        settings: SamplingSettings,
        model_cfg: LLMModelConfig,
        inner: LLMInterface | None = None,
        screen_answer: Callable[[str, str, bool, str], Screened] = screen,
    ) -> None:
        self.settings = settings
        if multiprocessing.parent_process() is not None:  # an OpenEvolve worker process
            die_with_parent()
        self.inner = (
            inner
            if inner is not None
            else raw_client(model_cfg, Path(settings.state_dir), settings.spend)
        )
        self.screen_answer = screen_answer
        self.last_usage: dict[str, Any] | None = None

    async def generate(self, prompt: str, **kwargs: Any) -> str:
        return cast(str, await self.inner.generate(prompt, **kwargs))

    async def generate_with_context(
        self, system_message: str, messages: list[dict[str, str]], **kwargs: Any
    ) -> str:
        prompt = messages[-1].get("content", "") if messages else ""
        parent = parent_program(prompt)
        if parent is None:  # not a mutation prompt: asked as it is
            answer = await self.inner.generate_with_context(system_message, messages, **kwargs)
            self.last_usage = getattr(self.inner, "last_usage", None)
            return cast(str, answer)
        diff_based = is_diff_prompt(prompt)
        grammar = answer_grammar(parent, diff_based) if self.settings.grammar else None
        started = time.monotonic()
        asked: list[tuple[str, Screened, dict[str, Any] | None, float]] = []
        budget_stop: str | None = None
        for index in range(max(self.settings.samples, 1)):
            request = dict(kwargs)
            seed = sample_seed(kwargs.get("seed"), index)
            if seed is not None:
                request["seed"] = seed
            if grammar is not None:
                request["grammar"] = grammar
            asked_at = time.monotonic()
            try:
                answer = await self.inner.generate_with_context(system_message, messages, **request)
            except BudgetSpent as spent:
                if not asked:
                    raise
                budget_stop = str(spent)
                break
            usage = getattr(self.inner, "last_usage", None)
            seconds = time.monotonic() - asked_at
            if answer is None:
                continue
            verdict = self.screen_answer(parent, cast(str, answer), diff_based, self.settings.task)
            asked.append((cast(str, answer), verdict, usage, seconds))
            if verdict.passed:
                break
        if not asked:
            return cast(str, None)
        chosen = max(asked, key=lambda item: item[1].progress)  # the first of the furthest
        self.last_usage = summed_usage([usage for _, _, usage, _ in asked])
        self._journal(chosen[0], asked, grammar, budget_stop, time.monotonic() - started)
        return chosen[0]

    def _journal(
        self,
        chosen: str,
        asked: list[tuple[str, Screened, dict[str, Any] | None, float]],
        grammar: str | None,
        budget_stop: str | None,
        seconds: float,
    ) -> None:
        filtered = Counter(verdict.outcome for _, verdict, _, _ in asked if not verdict.passed)
        record = {
            "response_sha256": _sha256(chosen),
            "asked": len(asked),
            "passed": sum(1 for _, verdict, _, _ in asked if verdict.passed),
            "filtered": dict(filtered),
            "grammar": None if grammar is None else _sha256(grammar)[:16],
            "budget_stop": budget_stop,
            "answers": [
                {
                    "outcome": verdict.outcome,
                    "detail": verdict.detail,
                    "completion_tokens": (usage or {}).get("completion_tokens"),
                    "llm_seconds": round(llm_seconds, 3),
                    "filter_seconds": round(verdict.seconds, 3),
                    "answer": answer,
                }
                for answer, verdict, usage, llm_seconds in asked
            ],
            "seconds": round(seconds, 3),
        }
        append_jsonl(Path(self.settings.state_dir) / JOURNAL, record)


def _make_client(settings: SamplingSettings, model_cfg: LLMModelConfig) -> SamplingLLM:
    return SamplingLLM(settings, model_cfg)


def sampling_client(settings: SamplingSettings) -> Callable[[LLMModelConfig], LLMInterface]:
    """The ``init_client`` hook of every model of a constrained run (picklable)."""
    return functools.partial(_make_client, settings)


def read_samples(state_dir: Path) -> dict[str, dict[str, Any]]:
    """The sampled iterations of a run by the SHA-256 of the answer OpenEvolve received."""
    return records_by_answer(state_dir / JOURNAL)
