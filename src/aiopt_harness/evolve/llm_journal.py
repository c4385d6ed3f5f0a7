"""Every LLM answer of a run, journaled by its request, so that a resumed run that asks
the same thing again gets the same answer without asking.

A run resumed after a kill repeats the iterations after its last checkpoint. When such an
iteration sends the request it sent before (same system message, same conversation,
same sampling settings), the answer comes from ``llm_answers.jsonl`` in the state
directory and the iteration does not diverge from what the first attempt did; a request
never seen goes to the LLM. The journal is appended one line per answer (whole lines,
also from several worker processes) and read again when a request is not found in it.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any, cast

from openevolve.llm.base import LLMInterface

from ..common.cpu_ledger import LOCAL_LLM_CPUS_ENV, record_interval
from ..common.jsonl import append_jsonl, read_jsonl

JOURNAL = "llm_answers.jsonl"
# Sampling settings that change the answer (OpenEvolve passes them as keyword arguments).
KEYED_SETTINGS = ("temperature", "top_p", "max_tokens", "seed", "model", "grammar")


def request_key(system_message: str, messages: list[dict[str, str]], **settings: Any) -> str:
    """SHA-256 of what the LLM is asked."""
    shown = {key: settings[key] for key in KEYED_SETTINGS if settings.get(key) is not None}
    text = json.dumps([system_message, messages, shown], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


class JournaledLLM(LLMInterface):  # type: ignore[misc]  # openevolve is untyped
    """Answers from the journal when it holds the request, else from ``inner``
    (journaling the answer)."""

    def __init__(self, inner: LLMInterface, state_dir: Path) -> None:
        self.inner = inner
        self.path = state_dir / JOURNAL
        self.known: dict[str, dict[str, Any]] = {}
        self.last_usage: dict[str, Any] | None = None
        self.replayed = 0  # answers given from the journal

    def _read(self) -> None:
        for record in read_jsonl(self.path):  # a line cut by a kill is skipped there
            if isinstance(record.get("key"), str):
                self.known[record["key"]] = record

    async def generate(self, prompt: str, **kwargs: Any) -> str:
        return await self.generate_with_context("", [{"role": "user", "content": prompt}], **kwargs)

    async def generate_with_context(
        self, system_message: str, messages: list[dict[str, str]], **kwargs: Any
    ) -> str:
        key = request_key(system_message, messages, **kwargs)
        if key not in self.known:
            self._read()
        found = self.known.get(key)
        if found is not None:
            self.replayed += 1
            self.last_usage = found.get("usage")
            return cast(str, found["answer"])
        started = time.time()
        answer = await self.inner.generate_with_context(system_message, messages, **kwargs)
        local_cpus = os.environ.get(LOCAL_LLM_CPUS_ENV)
        if local_cpus:  # a request to the local model: the CPU ledger shows where it ran
            cpus = (int(cpu) for cpu in local_cpus.split(","))
            record_interval("llm_request", cpus, started, time.time())
        self.last_usage = getattr(self.inner, "last_usage", None)
        if isinstance(answer, str):
            record = {"key": key, "answer": answer, "usage": self.last_usage}
            append_jsonl(self.path, record)
            self.known[key] = record
        return cast(str, answer)
