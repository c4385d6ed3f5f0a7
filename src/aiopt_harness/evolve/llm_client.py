"""The client every model of a run asks through, below the sampler or the repair round:
each request journaled by its key (a resumed run asks nothing twice), counted against the
track's budget when the track has a spend ledger, and sent with its GBNF grammar when it
has one (``grammar=...``, a keyword argument of the request, goes into the body, where
llama-cpp-python's server reads it)."""

from __future__ import annotations

import contextvars
from pathlib import Path
from typing import Any, cast

from openevolve.config import LLMModelConfig
from openevolve.llm.base import LLMInterface
from openevolve.llm.openai import OpenAILLM

from .llm_journal import JournaledLLM
from .spend import BudgetedLLM, SpendSettings

_grammar: contextvars.ContextVar[str | None] = contextvars.ContextVar("grammar", default=None)


class GrammarOpenAILLM(OpenAILLM):  # type: ignore[misc]  # openevolve is untyped
    """OpenEvolve's OpenAI client, sending ``grammar=...`` (a keyword argument of the
    request) in the body, where llama-cpp-python's server reads it."""

    async def generate_with_context(
        self, system_message: str, messages: list[dict[str, str]], **kwargs: Any
    ) -> str:
        token = _grammar.set(kwargs.pop("grammar", None))
        try:
            return cast(
                str, await super().generate_with_context(system_message, messages, **kwargs)
            )
        finally:
            _grammar.reset(token)

    async def _call_api(self, params: dict[str, Any]) -> str:
        grammar = _grammar.get()
        if grammar is not None:
            params = {**params, "extra_body": {"grammar": grammar}}
        return cast(str, await super()._call_api(params))


def raw_client(model_cfg: LLMModelConfig, state_dir: Path, spend: SpendSettings | None) -> Any:
    """The client below the sampler or the repair round: requests journaled by key (a
    resumed run asks nothing twice), counted against the track's budget when it has a
    ledger, sent with the grammar of the request."""
    client: LLMInterface = GrammarOpenAILLM(model_cfg)
    if spend is not None:
        client = BudgetedLLM(client, spend)
    return JournaledLLM(client, state_dir)
