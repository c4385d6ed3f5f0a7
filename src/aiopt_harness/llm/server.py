"""Running the embedded model behind llama-cpp-python's OpenAI-compatible server on
127.0.0.1: started, waited for, and always stopped by the harness; or served in the
foreground by ``aiopt llm serve`` for reuse across runs."""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

from .errors import USE_ANOTHER_ENDPOINT, LlamaCppMissing, LlmServerError, LocalLlmError
from .model import Progress, ensure_model, say

HOST = "127.0.0.1"
MODEL_NAME = "qwen2.5-coder-1.5b-instruct"  # what /v1/models reports; any name is accepted
API_KEY = "local"  # the server checks no key; OpenAI clients want a non-empty one
DEFAULT_N_CTX = 8192
DEFAULT_THREADS = 2
# Prompt-lookup speculative decoding: drafts of this many tokens copied from the prompt
# (a rewritten block or a SEARCH text copies the parent program); 0 turns it off.
# bench/iteration_speed.py measures generation with and without it side by side.
DEFAULT_DRAFT_TOKENS = 10
LLAMA_CPP_VERSION = "0.3.36"
# How to build llama-cpp-python (source only) for this CPU, without AMX: llama.cpp's AMX
# matmul crashed here (a general protection fault on the first request) in a default
# -march=native build. Measured here: 3.3 minutes on 2 cores.
_NO_AMX = "-mno-amx-tile -mno-amx-int8 -mno-amx-bf16"
BUILD_ENV = f'CMAKE_BUILD_PARALLEL_LEVEL=2 CFLAGS="{_NO_AMX}" CXXFLAGS="{_NO_AMX}"'
# --no-binary and --no-cache-dir: a wheel of llama-cpp-python found on a machine (a
# wheelhouse, or pip's cache of an earlier native build) would skip the flags above; CI
# met exactly that (a 23 s install, then SIGSEGV on the first completion).
_FROM_SOURCE = "--no-binary llama-cpp-python --no-cache-dir"
INSTALL_COMMAND = f"{BUILD_ENV} pip install {_FROM_SOURCE} '.[local-llm]'"
REBUILD_COMMAND = (
    f"{BUILD_ENV} pip install {_FROM_SOURCE} --force-reinstall --no-deps "
    f"'llama-cpp-python=={LLAMA_CPP_VERSION}'"
)

# Modules `python -m llama_cpp.server` imports: llama_cpp itself and its [server] extra.
_SERVER_MODULES = (
    "llama_cpp",
    "uvicorn",
    "fastapi",
    "sse_starlette",
    "starlette_context",
    "pydantic_settings",
)

# Runs a command with the parent-death signal set, so that the server is killed with the
# harness even when the harness is SIGKILLed and cannot stop it.
# argv: the harness's pid, then the command.
# argv: the harness's pid, the CPUs ("-": any), then the command.
_LAUNCHER = """\
import ctypes, os, signal, sys
ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
if os.getppid() != int(sys.argv[1]):
    sys.exit(1)  # the harness died before the signal was set
if sys.argv[2] != "-":
    os.sched_setaffinity(0, {int(cpu) for cpu in sys.argv[2].split(",")})
os.execv(sys.argv[3], sys.argv[3:])
"""


# The start-up test completion. It must be a batch of several dozen tokens: a build with
# AMX code passed a 1-token prompt here and crashed on the first real (batched) prompt.
_SELF_TEST_PROMPT = (
    "// A C++ function that returns the sum of the first n elements of an array of 64-bit "
    "integers, written for speed, with a short comment that explains each step of it:\n"
    "long long sum(const long long* values, int n) {"
)


def missing_server_modules() -> list[str]:
    """The modules of ``llama-cpp-python[server]`` that cannot be found (none: usable)."""
    return [name for name in _SERVER_MODULES if importlib.util.find_spec(name) is None]


def require_llama_cpp() -> None:
    """Raises :class:`LlamaCppMissing`, saying how to install it, when the server cannot run."""
    missing = missing_server_modules()
    if missing:
        raise LlamaCppMissing(
            "the embedded local LLM needs llama-cpp-python's server (the `local-llm` extra), "
            f"and these modules are missing: {', '.join(missing)}. Install it, in the "
            f"aiopt-harness checkout, with\n  {INSTALL_COMMAND}\nIt builds llama.cpp from "
            "source for this CPU once per machine (pip keeps the wheel): about 3.5 minutes on "
            "2 cores, longer without CMAKE_BUILD_PARALLEL_LEVEL; it needs g++. The flags keep "
            f"out AMX instructions, whose llama.cpp code can crash. {USE_ANOTHER_ENDPOINT}"
        )


def _exit_description(code: int) -> str:
    if code >= 0:
        return f"exited with code {code}"
    try:
        name = signal.Signals(-code).name
    except ValueError:
        name = f"signal {-code}"
    description = f"was killed by {name}"
    if -code in (signal.SIGSEGV, signal.SIGILL, signal.SIGBUS):
        description += (
            " (llama-cpp-python crashed computing: a build with AMX instructions does that "
            f"on some CPUs; rebuild it without them: `{REBUILD_COMMAND}`)"
        )
    return description


def free_port(host: str = HOST) -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def _tail(path: Path, lines: int = 25) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no server output)"
    return "\n".join(text.strip().splitlines()[-lines:]) or "(no server output)"


class LocalLlmServer:
    """``python -m llama_cpp.server`` serving one GGUF model on 127.0.0.1.

    Use as a context manager: entering starts the server and waits until ``GET /v1/models``
    answers; leaving stops it (SIGTERM, then SIGKILL to its process group). It is also
    stopped at interpreter exit, and, with ``die_with_parent``, by the kernel when the
    thread that started it dies (so start it from a thread that outlives it, e.g. the main
    thread).
    """

    def __init__(
        self,
        model_path: Path | None = None,
        *,
        port: int | None = None,
        n_ctx: int = DEFAULT_N_CTX,
        threads: int = DEFAULT_THREADS,
        model_name: str = MODEL_NAME,
        ready_timeout: float = 180.0,
        log_path: Path | None = None,
        progress: Progress = say,
        die_with_parent: bool = True,
        self_test: bool = True,
        draft_tokens: int = DEFAULT_DRAFT_TOKENS,
        cpus: frozenset[int] | None = None,
    ) -> None:
        self.model_path = model_path  # None: ensure_model() when started
        self.requested_port = port  # None: a free port
        self.port: int | None = None
        self.n_ctx = n_ctx
        self.threads = threads
        self.model_name = model_name
        self.ready_timeout = ready_timeout
        self.progress = progress
        self.die_with_parent = die_with_parent
        self.self_test = self_test
        self.draft_tokens = draft_tokens
        self.cpus = cpus  # the CPUs it may run on (None: any), set by the launcher
        self._own_log = log_path is None
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        self.startup_seconds: float | None = None  # from launch to the first answer
        self._launched_at = 0.0

    @property
    def api_base(self) -> str:
        """``http://127.0.0.1:PORT/v1``: the OpenAI base URL of the running server."""
        if self.port is None:
            raise LlmServerError("the local LLM server has not been started")
        return f"http://{HOST}:{self.port}/v1"

    def command(self, model_path: Path, port: int) -> list[str]:
        """The server's command line (without the parent-death launcher)."""
        return [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(model_path),
            "--model_alias",
            self.model_name,
            "--host",
            HOST,
            "--port",
            str(port),
            "--n_threads",
            str(self.threads),
            "--n_threads_batch",
            str(self.threads),
            "--n_ctx",
            str(self.n_ctx),
            *(
                [
                    "--draft_model",
                    "prompt-lookup-decoding",
                    "--draft_model_num_pred_tokens",
                    str(self.draft_tokens),
                ]
                if self.draft_tokens > 0
                else []
            ),
        ]

    def start(self) -> LocalLlmServer:
        """Starts the server and waits until it answers; raises :class:`LocalLlmError`."""
        if self.process is not None:
            raise LlmServerError("the local LLM server is already started")
        require_llama_cpp()
        if self.model_path is None:
            self.model_path = ensure_model(progress=self.progress)
        if not self.model_path.is_file():
            raise LlmServerError(f"model file not found: {self.model_path}")
        attempts = 1 if self.requested_port is not None else 3
        for attempt in range(attempts):
            port = self.requested_port if self.requested_port is not None else free_port()
            try:
                self._launch(self.model_path, port)
                self._wait_ready()
                if self.self_test:
                    self._check_generates()
                return self
            except BaseException as error:  # Ctrl-C while waiting included: stop it
                self.stop()
                in_use = isinstance(error, LlmServerError) and (
                    "address already in use" in str(error).lower()
                )
                if not in_use or attempt == attempts - 1:
                    raise
        raise AssertionError("unreachable")

    def _launch(self, model_path: Path, port: int) -> None:
        if self._own_log:
            handle, name = tempfile.mkstemp(prefix="aiopt-llm-server-", suffix=".log")
            os.close(handle)
            self.log_path = Path(name)
        assert self.log_path is not None
        server = self.command(model_path, port)
        if self.die_with_parent or self.cpus is not None:
            cpus = ",".join(map(str, sorted(self.cpus))) if self.cpus is not None else "-"
            argv = [sys.executable, "-c", _LAUNCHER, str(os.getpid()), cpus, *server]
        else:
            argv = server
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, killed as a whole
            )
        self.port = port
        self._launched_at = time.monotonic()
        atexit.register(self.stop)

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.api_base}/models", timeout=2.0) as response:
                body = json.loads(response.read())
        except (urllib.error.URLError, OSError, ValueError):
            return False
        return isinstance(body, dict) and "data" in body

    def _wait_ready(self) -> None:
        assert self.process is not None and self.log_path is not None
        deadline = self._launched_at + self.ready_timeout
        while True:
            code = self.process.poll()
            if code is not None:
                raise LlmServerError(
                    f"the local LLM server {_exit_description(code)} before answering. "
                    f"Its output (last lines):\n{_tail(self.log_path)}"
                )
            if self._answers():
                self.startup_seconds = time.monotonic() - self._launched_at
                return
            if time.monotonic() > deadline:
                raise LlmServerError(
                    f"the local LLM server did not answer GET {self.api_base}/models within "
                    f"{self.ready_timeout:.0f} s. Its output (last lines):\n"
                    f"{_tail(self.log_path)}"
                )
            time.sleep(0.25)

    def _check_generates(self) -> None:
        """One short completion of a batched prompt: a server that answers ``/models`` can
        still crash in its first computation (a bad build), which should fail here, not in
        the middle of a run."""
        assert self.process is not None and self.log_path is not None
        request = urllib.request.Request(
            f"{self.api_base}/completions",
            data=json.dumps(
                {"prompt": _SELF_TEST_PROMPT, "max_tokens": 2, "temperature": 0}
            ).encode(),
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.ready_timeout) as response:
                body = json.loads(response.read())
            if isinstance(body, dict) and body.get("choices"):
                return
            problem = f"unexpected answer {str(body)[:200]!r}"
        except (urllib.error.URLError, OSError, ValueError) as error:
            problem = str(error)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=2.0)  # a crash takes a moment to be seen
        code = self.process.poll()
        state = "" if code is None else f"; the server {_exit_description(code)}"
        raise LlmServerError(
            f"the local LLM server answered {self.api_base}/models but failed a short test "
            f"completion ({problem}){state}. Its output (last lines):\n{_tail(self.log_path)}"
        )

    def poll(self) -> int | None:
        """The server's exit code, or None while it runs (or was never started)."""
        return None if self.process is None else self.process.poll()

    def output_tail(self, lines: int = 25) -> str:
        """The last lines the server printed."""
        return "(no server output)" if self.log_path is None else _tail(self.log_path, lines)

    def stop(self, grace: float = 10.0) -> None:
        """Stops the server and everything in its process group; safe to call twice."""
        process, self.process = self.process, None
        atexit.unregister(self.stop)
        if process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=grace)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # stragglers in its group too
            process.wait()
        if self._own_log and self.log_path is not None:
            self.log_path.unlink(missing_ok=True)
            self.log_path = None

    def __enter__(self) -> LocalLlmServer:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def serve_main(port: int | None, n_ctx: int, threads: int) -> int:
    """``aiopt llm serve``: serves the embedded model in the foreground until Ctrl-C.

    Returns the process exit code: 0 after Ctrl-C, 1 if the server failed or died, 2 if
    the local LLM cannot be set up (extra missing, model not fetched).
    """
    try:
        require_llama_cpp()
        model_path = ensure_model()
    except LocalLlmError as error:
        print(f"aiopt: {error}", file=sys.stderr)
        return 2
    server = LocalLlmServer(model_path, port=port, n_ctx=n_ctx, threads=threads)
    try:
        print(f"aiopt: starting the local LLM server ({threads} threads, context {n_ctx}) ...")
        server.start()
        print(
            f"aiopt: serving {server.model_name} at {server.api_base} "
            f"(ready in {server.startup_seconds or 0:.1f} s). Use it with\n"
            f"  aiopt evolve TASK_DIR --api-base {server.api_base} --model {server.model_name}\n"
            "Ctrl-C stops it.",
            flush=True,
        )
        while server.poll() is None:
            time.sleep(0.5)
        print(
            f"aiopt: the local LLM server {_exit_description(server.poll() or 0)}. Its output "
            f"(last lines):\n{server.output_tail()}",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        print("aiopt: stopping the local LLM server")
        return 0
    except LocalLlmError as error:
        print(f"aiopt: {error}", file=sys.stderr)
        return 1
    finally:
        server.stop()
