"""Test double of an LLM server: an OpenAI-compatible ``/v1/chat/completions`` and
``/v1/models`` on 127.0.0.1 that answers from a script and records every request. Used
where a test needs exact answers (the repair round, resume after kill -9, the tracks'
prompts); the real embedded model runs in the README's job and CI."""

from __future__ import annotations

import contextlib
import http.server
import itertools
import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

GOOD_BLOCK = """```cpp
// EVOLVE-BLOCK-START
// idea: i-k-j loop order
static void multiply(int n, const double* a, const double* b, double* c) {
  for (int i = 0; i < n * n; ++i) c[i] = 0.0;
  for (int i = 0; i < n; ++i)
    for (int k = 0; k < n; ++k) {
      const double aik = a[i * n + k];
      for (int j = 0; j < n; ++j) c[i * n + j] += aik * b[k * n + j];
    }
}
// EVOLVE-BLOCK-END
```"""

Answer = str | Callable[[dict[str, Any]], str]


def distinct_programs() -> Callable[[dict[str, Any]], str]:
    """Answers that are each a new program (GOOD_BLOCK with a new unused constant): every
    iteration compiles and evaluates a child, none is a copy of its parent. The numbers
    start from the clock: no two calls give a program the compile cache has seen."""
    count = itertools.count(time.time_ns() % 10**15)

    def answer(body: dict[str, Any]) -> str:
        return GOOD_BLOCK.replace(
            "// idea: i-k-j loop order",
            f"// idea: i-k-j loop order\nconst long long variant = {next(count)}LL;",
        )

    return answer


class ScriptedServer(http.server.ThreadingHTTPServer):
    """Answers from ``answers`` in order, then ``default`` (a text, or a function of the
    request body)."""

    def __init__(self, answers: list[str], default: Answer) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.answers = list(answers)
        self.default = default
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    @property
    def api_base(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def answer(self, body: dict[str, Any]) -> str:
        with self.lock:
            self.requests.append(body)
            if self.answers:
                return self.answers.pop(0)
        return self.default if isinstance(self.default, str) else self.default(body)


class _Handler(http.server.BaseHTTPRequestHandler):
    server: ScriptedServer

    def _send(self, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._send({"object": "list", "data": [{"id": "scripted", "object": "model"}]})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        answer = self.server.answer(body)
        self._send(
            {
                "id": "scripted",
                "object": "chat.completion",
                "created": 0,
                "model": body.get("model", "scripted"),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": answer},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 50, "completion_tokens": 5, "total_tokens": 55},
            }
        )

    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def serving(answers: list[str], default: Answer = GOOD_BLOCK) -> Iterator[ScriptedServer]:
    server = ScriptedServer(answers, default)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
