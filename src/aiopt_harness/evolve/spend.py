"""What a track's LLM requests cost, and the budget that stops them.

Every request that reaches an LLM (never an answer replayed from the journal) appends one
line to the track's spend ledger (``spend/TRACK.jsonl`` in the experiment directory):
the run, prompt and completion tokens, and the cost at the spec's prices. Before each
request the ledger is read again (the runs of a track may be in several processes), and
once the track's token or money budget is spent, :class:`BudgetedLLM` refuses to ask:
the request raises :class:`BudgetSpent`, whose message OpenEvolve records as the
iteration's error (outcome ``budget_spent``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from openevolve.llm.base import LLMInterface

from ..common.jsonl import append_jsonl, read_jsonl

BUDGET_SPENT = "track budget spent"  # in every BudgetSpent message (iteration_log)


class BudgetSpent(RuntimeError):
    """The track's budget is spent: nothing more is asked."""


@dataclass(frozen=True)
class SpendSettings:
    """A track's ledger, budget and prices (picklable: OpenEvolve's workers get it)."""

    ledger: str  # the track's spend ledger (jsonl)
    run: str = ""  # the run's name, on every line
    token_budget: int | None = None  # prompt + completion tokens over the whole track
    cost_budget: float | None = None  # money over the whole track, at the prices below
    price_prompt: float | None = None  # per million prompt tokens
    price_completion: float | None = None  # per million completion tokens

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float | None:
        if self.price_prompt is None or self.price_completion is None:
            return None
        return (prompt_tokens * self.price_prompt + completion_tokens * self.price_completion) / 1e6


@dataclass(frozen=True)
class Spent:
    """What a ledger adds up to."""

    requests: int
    tokens: int
    cost: float | None  # None: no line carries a cost (no prices given)
    by_run: dict[str, int]  # tokens per run


def read_spent(ledger: Path) -> Spent:
    requests, tokens, cost, priced = 0, 0, 0.0, False
    by_run: dict[str, int] = {}
    for record in read_jsonl(ledger):  # a line cut by a kill is skipped there
        used = int(record.get("prompt_tokens") or 0) + int(record.get("completion_tokens") or 0)
        requests += 1
        tokens += used
        run = str(record.get("run", ""))
        by_run[run] = by_run.get(run, 0) + used
        if isinstance(record.get("cost"), int | float):
            cost += float(record["cost"])
            priced = True
    return Spent(requests, tokens, cost if priced else None, by_run)


def exhausted(settings: SpendSettings, spent: Spent) -> str | None:
    """Why the budget allows no more requests (None: it does)."""
    if settings.token_budget is not None and spent.tokens >= settings.token_budget:
        return f"{BUDGET_SPENT}: {spent.tokens} of {settings.token_budget} tokens used"
    if settings.cost_budget is not None and (spent.cost or 0.0) >= settings.cost_budget:
        return f"{BUDGET_SPENT}: {spent.cost or 0.0:.4f} of {settings.cost_budget:.4f} spent"
    return None


class BudgetedLLM(LLMInterface):  # type: ignore[misc]  # openevolve is untyped
    """Asks ``inner`` while the track's budget lasts, and records what each request used."""

    def __init__(self, inner: LLMInterface, settings: SpendSettings) -> None:
        self.inner = inner
        self.settings = settings
        self.last_usage: dict[str, Any] | None = None

    async def generate(self, prompt: str, **kwargs: Any) -> str:
        return await self.generate_with_context("", [{"role": "user", "content": prompt}], **kwargs)

    async def generate_with_context(
        self, system_message: str, messages: list[dict[str, str]], **kwargs: Any
    ) -> str:
        reason = exhausted(self.settings, read_spent(Path(self.settings.ledger)))
        if reason is not None:
            raise BudgetSpent(reason)
        answer = await self.inner.generate_with_context(system_message, messages, **kwargs)
        self.last_usage = getattr(self.inner, "last_usage", None)
        usage = self.last_usage or {}
        prompt_tokens = int(usage.get("prompt_tokens") or 0)
        completion_tokens = int(usage.get("completion_tokens") or 0)
        record = {
            "run": self.settings.run,
            "time": round(time.time(), 3),
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "cost": self.settings.cost(prompt_tokens, completion_tokens),
        }
        append_jsonl(Path(self.settings.ledger), record)
        return cast(str, answer)
