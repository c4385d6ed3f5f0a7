"""The local LLM server's life cycle. The start/wait/stop logic is tested with a small fake
HTTP server; the real llama-cpp-python server with the real model is tested when both are
here (skipped, with the reason, otherwise)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

import pytest

from aiopt_harness.common.procfs import read_process_stat
from aiopt_harness.llm import server as server_module
from aiopt_harness.llm.errors import LlamaCppMissing, LlmServerError
from aiopt_harness.llm.model import verified_model
from aiopt_harness.llm.server import MODEL_NAME, LocalLlmServer, missing_server_modules

# Read at collection, before conftest points $AIOPT_CACHE_DIR at an empty test cache.
_USER_CACHE = os.environ.get("AIOPT_CACHE_DIR")

FAKE_SERVER = textwrap.dedent(
    """
    import http.server, json, subprocess, sys
    port = int(sys.argv[sys.argv.index("--port") + 1])
    if "--grandchild" in sys.argv:
        child = subprocess.Popen(["sleep", "300"])
        print(f"grandchild {child.pid}", flush=True)
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = json.dumps({"object": "list", "data": [{"id": "fake"}]}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        def do_POST(self):
            if "--crash-on-request" in sys.argv:
                import os, signal
                os.kill(os.getpid(), signal.SIGSEGV)
            self.rfile.read(int(self.headers["Content-Length"]))
            body = json.dumps({"choices": [{"text": "x"}]}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        def log_message(self, *args):
            pass
    http.server.HTTPServer(("127.0.0.1", port), Handler).serve_forever()
    """
)


class FakeServer(LocalLlmServer):
    """Runs ``script`` (a Python program) instead of llama_cpp.server, same arguments."""

    def __init__(self, script: str, *extra: str, **kwargs: object) -> None:
        super().__init__(Path(__file__), progress=lambda _: None, **kwargs)  # type: ignore[arg-type]
        self.script = script
        self.extra = extra

    def command(self, model_path: Path, port: int) -> list[str]:
        arguments = super().command(model_path, port)[3:]
        return [sys.executable, "-c", self.script, *arguments, *self.extra]


@pytest.fixture(autouse=True)
def _llama_cpp_present(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fake-server tests do not need llama_cpp installed."""
    monkeypatch.setattr(server_module, "require_llama_cpp", lambda: None)


def _alive(pid: int) -> bool:
    try:
        state = read_process_stat(pid).state
    except (OSError, IndexError, ValueError):
        return False
    return state != "Z"


def _gone(pid: int, within: float = 10.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return False


def _refuses(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def test_command_line() -> None:
    server = LocalLlmServer(Path("/m.gguf"), port=1234)
    command = server.command(Path("/m.gguf"), 1234)
    assert command[:3] == [sys.executable, "-m", "llama_cpp.server"]
    text = " ".join(command)
    for expected in (
        "--model /m.gguf",
        "--host 127.0.0.1",
        "--port 1234",
        "--n_threads 2",
        "--n_ctx 8192",
        f"--model_alias {MODEL_NAME}",
    ):
        assert expected in text


def test_missing_llama_cpp_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.undo()  # the real check
    real_find_spec = server_module.importlib.util.find_spec

    def find_spec(name: str) -> object:
        return None if name == "llama_cpp" else real_find_spec(name)

    monkeypatch.setattr(server_module.importlib.util, "find_spec", find_spec)
    assert "llama_cpp" in missing_server_modules()
    with pytest.raises(LlamaCppMissing) as caught:
        server_module.require_llama_cpp()
    message = str(caught.value)
    assert "pip install --no-binary llama-cpp-python" in message and "'.[local-llm]'" in message
    assert "-mno-amx-int8" in message
    assert "3.5 minutes" in message
    assert "--api-base" in message and "--model" in message
    with pytest.raises(LlamaCppMissing):
        LocalLlmServer(Path("/m.gguf")).start()


def test_starts_answers_and_stops_its_whole_group(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    server = FakeServer(FAKE_SERVER, "--grandchild", log_path=log)
    with server:
        assert server.port is not None
        port = server.port
        assert server.api_base == f"http://127.0.0.1:{port}/v1"
        assert server.startup_seconds is not None
        with urllib.request.urlopen(f"{server.api_base}/models", timeout=5) as response:
            assert json.loads(response.read())["data"]
        assert server.process is not None
        pid = server.process.pid
        deadline = time.monotonic() + 5
        while "grandchild" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        grandchild = int(log.read_text().split("grandchild ")[1].split()[0])
        assert _alive(grandchild)
    assert server.process is None
    assert _gone(pid) and _gone(grandchild)
    assert _refuses(port)
    server.stop()  # twice is fine


def test_server_that_dies_reports_its_output() -> None:
    script = "import sys; print('failed to load model: bad magic', file=sys.stderr); sys.exit(3)"
    server = FakeServer(script)
    with pytest.raises(LlmServerError, match="exited with code 3") as caught:
        server.start()
    assert "failed to load model: bad magic" in str(caught.value)
    assert server.process is None


def test_server_that_crashes_on_its_first_request_fails_to_start() -> None:
    """A bad build answers /v1/models, then crashes computing: caught by the self-test."""
    server = FakeServer(FAKE_SERVER, "--crash-on-request")
    with pytest.raises(LlmServerError, match="short test completion") as caught:
        server.start()
    message = str(caught.value)
    assert "SIGSEGV" in message and "-mno-amx-tile" in message and "--no-cache-dir" in message
    assert server.process is None


def test_server_that_never_answers_times_out_and_is_killed() -> None:
    script = "import time\nprint('loading ...', flush=True)\ntime.sleep(300)"
    server = FakeServer(script, ready_timeout=1.5)
    started = time.monotonic()
    with pytest.raises(LlmServerError, match="did not answer") as caught:
        server.start()
    assert time.monotonic() - started < 15
    assert "loading ..." in str(caught.value)
    assert server.process is None


def test_busy_chosen_port_is_a_clear_error() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        server = FakeServer(FAKE_SERVER, port=port, ready_timeout=10)
        with pytest.raises(LlmServerError, match="exited with code"):
            server.start()


def test_server_dies_with_a_killed_harness(tmp_path: Path) -> None:
    """A SIGKILLed harness cannot stop the server: the parent-death signal does."""
    harness = tmp_path / "harness.py"
    harness.write_text(
        textwrap.dedent(
            f"""
            import sys, time
            sys.path.insert(0, {str(Path(__file__).parent)!r})
            from aiopt_harness.llm import server as server_module
            from test_server import FakeServer, FAKE_SERVER
            server_module.require_llama_cpp = lambda: None
            server = FakeServer(FAKE_SERVER).start()
            print(server.process.pid, flush=True)
            time.sleep(300)
            """
        )
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    process = subprocess.Popen(
        [sys.executable, str(harness)], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        server_pid = int(line)
        assert _alive(server_pid)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert _gone(server_pid)


# --- the real server with the real model -------------------------------------------------


def _real_model() -> Path | None:
    explicit = os.environ.get("AIOPT_LLM_MODEL")
    if explicit:
        return Path(explicit) if Path(explicit).is_file() else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    directories = [Path(base) / "aiopt-harness" / "models"]
    if _USER_CACHE:
        directories.insert(0, Path(_USER_CACHE) / "models")
    for directory in directories:
        found = verified_model(directory)
        if found is not None:
            return found
    return None


def test_real_server_chat_completion(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.undo()  # the real llama_cpp check
    missing = missing_server_modules()
    if missing:
        pytest.skip(
            f"llama-cpp-python[server] is not installed (missing {', '.join(missing)}); "
            "pip install '.[local-llm]'"
        )
    model = _real_model()
    if model is None:
        pytest.skip(
            "the embedded model is not in the harness cache (or $AIOPT_LLM_MODEL); "
            "fetch it once with `aiopt llm serve` or aiopt_harness.llm.ensure_model()"
        )
    with LocalLlmServer(model, progress=lambda _: None) as server:
        assert server.process is not None and server.port is not None
        pid, port = server.process.pid, server.port
        with urllib.request.urlopen(f"{server.api_base}/models", timeout=10) as response:
            assert MODEL_NAME in [entry["id"] for entry in json.loads(response.read())["data"]]
        request = urllib.request.Request(
            f"{server.api_base}/chat/completions",
            data=json.dumps(
                {
                    "model": "any-name-works",
                    "messages": [{"role": "user", "content": "Say hello in C++."}],
                    "max_tokens": 8,
                    "temperature": 0,
                }
            ).encode(),
            headers={"Content-Type": "application/json", "Authorization": "Bearer local"},
        )
        with urllib.request.urlopen(request, timeout=120) as response:
            answer = json.loads(response.read())
        assert answer["choices"][0]["message"]["content"].strip()
        assert 0 < answer["usage"]["completion_tokens"] <= 8
    assert _gone(pid) and _refuses(port)


def test_serve_without_llama_cpp_exits_2_with_the_install_hint(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def missing() -> None:
        raise LlamaCppMissing("install it with pip install '.[local-llm]'")

    monkeypatch.setattr(server_module, "require_llama_cpp", missing)
    assert server_module.serve_main(None, 8192, 2) == 2
    assert "pip install '.[local-llm]'" in capsys.readouterr().err


def test_real_serve_until_ctrl_c(monkeypatch: pytest.MonkeyPatch) -> None:
    """`aiopt llm serve`'s function with the real server: ready, then Ctrl-C stops it."""
    monkeypatch.undo()
    if missing_server_modules():
        pytest.skip("llama-cpp-python[server] is not installed: pip install '.[local-llm]'")
    model = _real_model()
    if model is None or model.parent.name != "models":
        pytest.skip("the embedded model is not in a harness cache")
    env = {**os.environ, "AIOPT_CACHE_DIR": str(model.parent.parent)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from aiopt_harness.llm import serve_main; exit(serve_main(None, 2048, 2))",
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            lines.append(line)
            if "Ctrl-C stops it" in line:
                break
        text = "".join(lines)
        assert "serving" in text, text
        api_base = text.split(" at ", 1)[1].split()[0]
        with urllib.request.urlopen(f"{api_base}/models", timeout=10) as response:
            assert json.loads(response.read())["data"]
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    port = int(api_base.rsplit(":", 1)[1].split("/")[0])
    assert _refuses(port)


def test_a_pinned_server_runs_on_its_cpus_only() -> None:
    """The experiment pins the local LLM away from the measurement CPU."""
    cpus = frozenset({min(os.sched_getaffinity(0))})
    with FakeServer(FAKE_SERVER, cpus=cpus) as server:
        assert server.process is not None
        assert os.sched_getaffinity(server.process.pid) == set(cpus)
