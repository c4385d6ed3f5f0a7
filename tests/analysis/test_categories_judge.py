"""The LLM judge against the scripted OpenAI-compatible test double: what it sends (the
definitions and the diff, blind to the track), how it reads answers, and its fallback to
the rule labels with the reason."""

from __future__ import annotations

import contextlib
import http.server
import inspect
import json
import socket
import threading
import time
from collections.abc import Iterator

from aiopt_harness.analysis.labelled_set import load_labelled_set
from aiopt_harness.analysis.labeller_agreement import labeller_agreement
from aiopt_harness.analysis.llm_judge import LLMJudge, judge_messages, parse_answer
from aiopt_harness.analysis.rule_labeller import rule_labels
from aiopt_harness.analysis.taxonomy import DEFINITIONS
from tests.scripted_llm import serving

JUDGE_MODEL = "judge-model"
# What surrounds a diff in an experiment and must never reach the judge.
RUN_CONTEXT = {
    "track": "profile-on",
    "model": "run-model-qwen2.5-coder",
    "profile": "perf stat: 12% cache-misses at initial.cpp:21; Coz: speeding up line 22 by "
    "10% gives 7%; valgrind D1mr",
}
FORBIDDEN = (
    "profile-on",
    "run-model-qwen2.5-coder",
    "cache-misses",
    "Coz",
    "valgrind",
    "perf stat",
)


def a_case_diff() -> str:
    cases = {case.id: case for case in load_labelled_set()}
    return cases["matmul-tiling"].diff


def test_request_holds_definitions_and_diff_and_nothing_of_the_run() -> None:
    diff = a_case_diff()
    record = {**RUN_CONTEXT, "diff": diff}  # the judge gets only record["diff"]
    with serving([json.dumps({"labels": ["batching"]})]) as server:
        result = LLMJudge(server.api_base, JUDGE_MODEL).labels(record["diff"])
    assert result.labeller == "llm"
    (body,) = server.requests
    assert body["model"] == JUDGE_MODEL
    assert body["temperature"] == 0
    prompt = "\n".join(message["content"] for message in body["messages"])
    for label, definition in DEFINITIONS.items():
        assert label in prompt
        assert definition in prompt
    assert diff in prompt
    sent = json.dumps(body)
    for forbidden in FORBIDDEN:
        assert forbidden not in sent, forbidden
    assert [forbidden for forbidden in FORBIDDEN if forbidden in diff] == []


def test_prompt_is_built_from_definitions_and_diff_only() -> None:
    assert list(inspect.signature(judge_messages).parameters) == ["definitions", "diff"]
    assert list(inspect.signature(LLMJudge.labels).parameters) == ["self", "diff"]
    messages = judge_messages({"alpha": "first kind"}, "DIFF TEXT")
    text = "\n".join(message["content"] for message in messages)
    assert "- alpha: first kind" in text and "DIFF TEXT" in text


def test_valid_answer_gives_llm_labels() -> None:
    answer = json.dumps({"labels": ["batching", "reordering"]})
    with serving([answer]) as server:
        result = LLMJudge(server.api_base, JUDGE_MODEL).labels(a_case_diff())
    assert result.labels == {"batching", "reordering"}
    assert result.labeller == "llm"
    assert result.note == ""


def test_answer_in_a_code_block_with_prose() -> None:
    answer = (
        "The change tiles the loops.\n```json\n"
        '{"labels": ["Batching", "hardware specialization"]}\n```\nHope this helps {x}.'
    )
    with serving([answer]) as server:
        result = LLMJudge(server.api_base, JUDGE_MODEL).labels(a_case_diff())
    assert result.labels == {"batching", "hardware_specialization"}
    assert result.labeller == "llm"


def test_first_object_in_plain_text() -> None:
    labels, dropped = parse_answer('Sure: {"labels": ["removal"]} and {"labels": ["caching"]}')
    assert labels == {"removal"} and dropped == ()
    labels, dropped = parse_answer('{"labels": "removal, batching"}')
    assert labels == {"removal", "batching"}


def test_unknown_label_is_dropped_and_counted() -> None:
    answer = json.dumps({"labels": ["removal", "teleportation", "batching"]})
    with serving([answer]) as server:
        result = LLMJudge(server.api_base, JUDGE_MODEL).labels(a_case_diff())
    assert result.labels == {"removal", "batching"}
    assert result.labeller == "llm"
    assert "dropped 1 unknown" in result.note
    assert "teleportation" in result.note


def test_garbage_answer_falls_back_to_rules() -> None:
    diff = a_case_diff()
    with serving(["It is definitely faster now."]) as server:
        result = LLMJudge(server.api_base, JUDGE_MODEL).labels(diff)
    assert result.labeller == "rule"
    assert result.labels == rule_labels(diff)
    assert "unparseable answer" in result.note


def test_no_valid_label_falls_back_to_rules() -> None:
    diff = a_case_diff()
    with serving([json.dumps({"labels": ["speed", "magic"]}), '{"labels": []}']) as server:
        judge = LLMJudge(server.api_base, JUDGE_MODEL)
        unknown_only, empty = judge.labels(diff), judge.labels(diff)
    for result in (unknown_only, empty):
        assert result.labeller == "rule"
        assert result.labels == rule_labels(diff)
        assert "no valid label" in result.note
    assert "dropped 2 unknown" in unknown_only.note


class _Failing(http.server.BaseHTTPRequestHandler):
    delay = 0.0
    status = 500

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        time.sleep(self.delay)
        data = b'{"error": "internal"}'
        with contextlib.suppress(OSError):  # the client may have given up (timeout)
            self.send_response(self.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@contextlib.contextmanager
def failing_server(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host!s}:{port}/v1"
    finally:
        server.shutdown()
        server.server_close()


def test_http_500_falls_back_to_rules() -> None:
    diff = a_case_diff()
    with failing_server(_Failing) as base_url:
        result = LLMJudge(base_url, JUDGE_MODEL).labels(diff)
    assert result.labeller == "rule"
    assert result.labels == rule_labels(diff)
    assert "HTTP error 500" in result.note


def test_timeout_falls_back_to_rules() -> None:
    class Slow(_Failing):
        delay = 1.0
        status = 200

    diff = a_case_diff()
    with failing_server(Slow) as base_url:
        result = LLMJudge(base_url, JUDGE_MODEL, timeout=0.2).labels(diff)
    assert result.labeller == "rule"
    assert result.labels == rule_labels(diff)
    assert "timeout" in result.note


def test_closed_port_falls_back_to_rules() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    diff = a_case_diff()
    result = LLMJudge(f"http://127.0.0.1:{port}/v1", JUDGE_MODEL, timeout=5).labels(diff)
    assert result.labeller == "rule"
    assert result.labels == rule_labels(diff)
    assert "connection failed" in result.note


def test_judge_is_a_labeller() -> None:
    cases = load_labelled_set()[:3]
    with serving([], default='{"labels": ["removal"]}') as server:
        result = labeller_agreement(LLMJudge(server.api_base, JUDGE_MODEL), cases)
    assert len(server.requests) == 3
    assert result.cases == 3
