"""The Ray executor on a real multi-node cluster on this machine
(``ray.cluster_utils.Cluster``): the node evaluating a candidate is removed mid-run, the
evaluation runs again on another node, and no iteration is lost or counted twice.

The LLM is the scripted test double (tests/scripted_llm.py); Ray, OpenEvolve, the
compiler and the evaluator are real.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from ray.cluster_utils import Cluster

from aiopt_harness.evolve.remote_evaluation import INFLIGHT_ENV, MEASURE_RESOURCE
from tests.experiment.test_runner import records, write_spec
from tests.scripted_llm import ScriptedServer, serving


@pytest.fixture
def server() -> object:
    with serving([]) as scripted:
        yield scripted


@pytest.mark.timeout(900)
def test_a_node_removed_mid_evaluation_loses_nothing(
    tmp_path: Path, server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    inflight = tmp_path / "inflight"
    inflight.mkdir()
    monkeypatch.setenv(INFLIGHT_ENV, str(inflight))  # the nodes inherit it
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})  # no measuring
    try:
        doomed = cluster.add_node(num_cpus=1, resources={MEASURE_RESOURCE: 1})
        cluster.wait_for_nodes()
        spec = write_spec(tmp_path, server.api_base, {"A": False}, iterations=4)
        log = tmp_path / "driver.log"
        driver = subprocess.Popen(
            [sys.executable, "-m", "aiopt_harness.cli", "experiment", "run", str(spec),
             "--ray", cluster.address],
            stdout=log.open("wb"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 300
        while not any(p.read_text() == doomed.node_id for p in inflight.iterdir()):
            assert driver.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, "no evaluation started on the first node"
            time.sleep(0.1)
        survivor = cluster.add_node(num_cpus=1, resources={MEASURE_RESOURCE: 1})
        cluster.remove_node(doomed)  # mid-evaluation
        assert driver.wait(timeout=600) == 0, log.read_text()[-3000:]
    finally:
        cluster.shutdown()
    run = tmp_path / "out" / "runs" / "matmul-A-s1"
    iterations = records(run)
    assert [r["iteration"] for r in iterations] == [1, 2, 3, 4]
    evaluations = [json.loads(line) for line in (run / "state" / "evaluations.jsonl").open()]
    children = sum(1 for r in iterations if r.get("child_id"))
    assert len(evaluations) == 1 + children  # the initial program and each child, once
    nodes = [e.get("node") for e in evaluations]
    assert doomed.node_id not in nodes and survivor.node_id in nodes, nodes
    assert all(e.get("status") != "harness_error" for e in evaluations), evaluations
