"""A track's spend: every request that reaches the LLM is in the track's ledger with its
tokens and cost, and once the budget is spent nothing more is asked."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from openevolve.config import LLMModelConfig
from openevolve.llm.base import LLMInterface

from aiopt_harness.evolve.llm_client import raw_client
from aiopt_harness.evolve.spend import (
    BUDGET_SPENT,
    BudgetedLLM,
    BudgetSpent,
    SpendSettings,
    exhausted,
    read_spent,
)


class Counting(LLMInterface):
    """Answers "ok" with 40 prompt and 15 completion tokens."""

    def __init__(self) -> None:
        self.asked = 0
        self.last_usage: dict[str, Any] | None = None

    async def generate(self, prompt: str, **kwargs: Any) -> str:
        raise AssertionError("not used")

    async def generate_with_context(
        self, system_message: str, messages: list[dict[str, str]], **kwargs: Any
    ) -> str:
        self.asked += 1
        self.last_usage = {"prompt_tokens": 40, "completion_tokens": 15}
        return "ok"


def _ask(client: LLMInterface, text: str = "hi") -> str:
    return str(asyncio.run(client.generate_with_context("s", [{"role": "user", "content": text}])))


def test_requests_stop_once_the_token_budget_is_spent(tmp_path: Path) -> None:
    ledger = tmp_path / "spend" / "B.jsonl"
    settings = SpendSettings(
        str(ledger), run="r1", token_budget=120, price_prompt=1.0, price_completion=4.0
    )
    inner = Counting()
    client = BudgetedLLM(inner, settings)
    for _ in range(3):  # 0, 55, 110 tokens before each: all below 120
        assert _ask(client) == "ok"
    with pytest.raises(BudgetSpent, match=BUDGET_SPENT):
        _ask(client)
    assert inner.asked == 3
    spent = read_spent(ledger)
    assert (spent.requests, spent.tokens, spent.by_run) == (3, 165, {"r1": 165})
    assert spent.cost == pytest.approx(3 * (40 * 1.0 + 15 * 4.0) / 1e6)


def test_a_money_budget_at_the_given_prices(tmp_path: Path) -> None:
    settings = SpendSettings(
        str(tmp_path / "B.jsonl"), cost_budget=0.0002, price_prompt=1.0, price_completion=4.0
    )
    client = BudgetedLLM(Counting(), settings)
    _ask(client)  # 0.0001
    _ask(client)  # 0.0002
    reason = exhausted(settings, read_spent(tmp_path / "B.jsonl"))
    assert reason is not None and "0.0002 of 0.0002" in reason
    with pytest.raises(BudgetSpent):
        _ask(client)


def test_answers_replayed_from_the_journal_cost_nothing(tmp_path: Path) -> None:
    ledger = tmp_path / "spend.jsonl"
    settings = SpendSettings(str(ledger), token_budget=1000)
    inner = Counting()

    config = LLMModelConfig(name="x", api_base="http://127.0.0.1:9/v1", api_key="none")
    client = raw_client(config, tmp_path / "state", settings)
    client.inner.inner = inner  # below the journal and the budget: the counting double
    _ask(client, "same")
    _ask(client, "same")  # the journal answers
    assert inner.asked == 1 and read_spent(ledger).requests == 1
