"""The worker protocol is defined once (sandbox/worker_wire.def): the C++ worker compiles
it in, the Python client reads it; neither spells a code of its own."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from aiopt_harness.sandbox import wire, worker_client
from aiopt_harness.sandbox.worker_client import installed_binary

CLIENT = Path(worker_client.__file__)


def test_the_definition_parses_into_distinct_codes() -> None:
    ops = [e for e in wire.ENTRIES.values() if e.kind == "OP"]
    requests = [e.value for e in ops if e.what.startswith("request")]
    replies = [e.value for e in ops if e.what.startswith("reply")]
    assert len(requests) == len(set(requests)) == 4
    assert len(replies) == len(set(replies)) == 7
    codes = list(wire.EXIT_CODES)
    assert len(codes) == len(set(codes)) and all(100 < c < 128 for c in codes)
    assert wire.HEADER.size == wire.size("kHeaderBytes")


def test_a_line_it_cannot_read_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot read"):
        wire.parse("AIOPT_OP(kRun, R, missing quotes)\n")


def test_the_client_spells_no_code_of_its_own() -> None:
    source = CLIENT.read_text()
    assert not re.search(r"\b11\d\b|\b12\d\b", source), "a bare exit code"
    assert not re.search(r"""\bb?["'][PRSQKDBEXM]["']""", source), "a bare op code"


def test_the_compiled_worker_exits_with_the_defined_codes() -> None:
    worker = installed_binary("aiopt-worker")
    usage = subprocess.run([str(worker)], capture_output=True, timeout=10)
    assert usage.returncode == wire.exit_code("kExitUsage")
    # a request fd that is not open: a usage error too, by the same definition
    args = ["--so", "/nonexistent.so", "--cpu", "0", "--out-cap", "8", "--request-fd", "77",
            "--reply-fd", "78"]  # fmt: skip
    bad_fd = subprocess.run([str(worker), *args], capture_output=True, timeout=10)
    assert bad_fd.returncode == wire.exit_code("kExitUsage")
    assert b"fd 77 is not open" in bad_fd.stderr
