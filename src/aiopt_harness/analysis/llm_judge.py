"""An LLM that labels mutation diffs, blind to the track: its prompt is built from the
label definitions and the diff alone (``judge_messages(definitions, diff)``), so the
track, the run's model and any profile text cannot reach it.

It asks an OpenAI-compatible server (``POST {base_url}/chat/completions``, temperature
0) for a JSON object ``{"labels": [...]}``, reads the first JSON object of the answer
(inside a code block or not), drops labels outside the taxonomy (counted in the note),
and falls back to the rule labeller, saying why, on an HTTP error, a timeout, a failed
connection, an unparseable answer or an answer without a valid label.
"""

from __future__ import annotations

import contextlib
import json
import re
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from .rule_labeller import rule_labels
from .taxonomy import ALL_LABELS, DEFINITIONS

_CODE_BLOCK = re.compile(r"```[A-Za-z]*\s*\n?(.*?)```", re.DOTALL)
MAX_TOKENS = 512  # the answer is one short JSON object


@dataclass(frozen=True)
class JudgeResult:
    """The labels of one diff, who gave them (``llm``, or ``rule`` after a fallback) and
    a note (dropped labels, or the reason for the fallback)."""

    labels: frozenset[str]
    labeller: Literal["llm", "rule"]
    note: str


class AnswerError(ValueError):
    """The model's answer holds no usable JSON object with a ``labels`` list."""


def judge_messages(definitions: Mapping[str, str], diff: str) -> list[dict[str, str]]:
    """The chat messages of the judge: the label definitions and the diff, nothing else."""
    categories = "\n".join(f"- {label}: {text}" for label, text in definitions.items())
    system = (
        "You classify one change to a C++ program, given as a unified diff from the parent "
        "program to the child program, into mutation categories. A change may belong to "
        "several categories. Judge what the code change does, not what its comments claim.\n"
        f"Categories (use these names exactly):\n{categories}\n"
        'Answer with one JSON object and nothing else: {"labels": ["<category>", ...]}'
    )
    user = f"Diff:\n```diff\n{diff}```"
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def _json_objects(text: str) -> list[Any]:
    """Candidate JSON values of an answer: each code block, then every object that
    starts at a ``{`` of the text, in order."""
    decoder = json.JSONDecoder()
    found: list[Any] = []
    for block in _CODE_BLOCK.findall(text):
        with contextlib.suppress(ValueError):
            found.append(json.loads(block))
    for start in (index for index, char in enumerate(text) if char == "{"):
        try:
            value, _ = decoder.raw_decode(text, start)
        except ValueError:
            continue
        found.append(value)
    return found


def _normalized(label: str) -> str:
    return re.sub(r"[\s/-]+", "_", label.strip().lower())


def parse_answer(text: str) -> tuple[frozenset[str], tuple[str, ...]]:
    """The known labels of the first JSON object with a ``labels`` list (or a string of
    comma-separated labels), and the unknown entries it dropped. Raises AnswerError when
    there is no such object."""
    for value in _json_objects(text):
        if not isinstance(value, dict) or not isinstance(value.get("labels"), list | str):
            continue
        entries = value["labels"]
        if isinstance(entries, str):  # "removal, batching"
            entries = [part for part in entries.split(",") if part.strip()]
        known: set[str] = set()
        dropped: list[str] = []
        for entry in entries:
            label = _normalized(entry) if isinstance(entry, str) else ""
            if label in ALL_LABELS:
                known.add(label)
            else:
                dropped.append(str(entry))
        return frozenset(known), tuple(dropped)
    raise AnswerError(f"no JSON object with a labels list in the answer: {text[:120]!r}")


def _fallback(diff: str, reason: str) -> JudgeResult:
    return JudgeResult(rule_labels(diff), "rule", f"rule labels: {reason}")


@dataclass(frozen=True)
class LLMJudge:
    """Labels diffs with the model ``model`` at the OpenAI-compatible ``base_url``
    (e.g. ``http://127.0.0.1:8080/v1``); ``timeout`` in seconds per request."""

    base_url: str
    model: str
    api_key: str = "none"
    timeout: float = 120

    def _complete(self, messages: list[dict[str, str]]) -> str:
        body = {
            "model": self.model,
            "messages": messages,
            "temperature": 0,
            "max_tokens": MAX_TOKENS,
        }
        request = urllib.request.Request(
            f"{self.base_url.rstrip('/')}/chat/completions",
            data=json.dumps(body).encode(),
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {self.api_key}",
            },
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            payload = json.loads(response.read())
        content = payload["choices"][0]["message"]["content"]
        if not isinstance(content, str):
            raise TypeError("the answer's content is not text")
        return content

    def labels(self, diff: str) -> JudgeResult:
        """The judge's labels of ``diff``, or the rule labels with the reason it fell back."""
        try:
            answer = self._complete(judge_messages(DEFINITIONS, diff))
        except urllib.error.HTTPError as error:
            return _fallback(diff, f"HTTP error {error.code} from the judge")
        except urllib.error.URLError as error:
            if isinstance(error.reason, TimeoutError):
                return _fallback(diff, f"timeout after {self.timeout:g} s")
            return _fallback(diff, f"connection failed: {error.reason}")
        except TimeoutError:
            return _fallback(diff, f"timeout after {self.timeout:g} s")
        except OSError as error:
            return _fallback(diff, f"connection failed: {error}")
        except (ValueError, KeyError, IndexError, TypeError) as error:
            return _fallback(diff, f"unparseable response from the judge: {error}")
        try:
            known, dropped = parse_answer(answer)
        except AnswerError as error:
            return _fallback(diff, f"unparseable answer: {error}")
        note = f"dropped {len(dropped)} unknown label(s): {', '.join(dropped)}" if dropped else ""
        if not known:
            return _fallback(diff, f"no valid label in the answer ({note or 'empty list'})")
        return JudgeResult(known, "llm", note)

    def __call__(self, diff: str) -> frozenset[str]:
        """The labels alone (a labeller for labeller_agreement)."""
        return self.labels(diff).labels
