"""Evaluations on a Ray cluster (``aiopt experiment run --ray ADDRESS``).

OpenEvolve's evaluator runs where the experiment's driver runs; given a ``ray_address``
(``evaluation_backend`` chooses) it sends each evaluation to the cluster as a task and
waits for it. The task needs one unit of :data:`MEASURE_RESOURCE` (give each node as
many units as it has CPUs set aside for measuring, usually 1) and no Ray CPU, so that
measurements never overlap on a node; inside the task the harness pins candidate code to
the node's measurement CPU under its lease (``sandbox/cpu_lease.py``), never touching the
Ray worker's own affinity. The task compiles, checks, compares and profiles on its node
in a scratch directory with the local evaluator (``evolve/evaluator.py``, which knows
nothing of Ray) and returns the result; the driver side alone writes the run's state
(``evaluations.jsonl``, ``best.json``). A task lost with its node is run again elsewhere
(Ray's retries): it changed nothing before it returned, so nothing is counted twice.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import pickle
import socket
import subprocess
import sys
import time
import traceback
from dataclasses import replace
from pathlib import Path
from typing import Any

from openevolve.evaluation_result import EvaluationResult

from ..common.scratch import scratch_directory
from ..sandbox.verdict import Status
from ..tasks.task import load_task
from .evaluation_record import EvaluationRecord, append_evaluation, read_evaluations
from .evaluator import EvaluatorSettings, evaluate_program, failure
from .fitness import BestScore

MEASURE_RESOURCE = "aiopt_measure_cpu"
TASK_RETRIES = 3  # runs of a task whose node died
NAMESPACE = "aiopt-harness"
# Test hook: when set on the nodes, each task marks itself in this directory while it runs.
INFLIGHT_ENV = "AIOPT_RAY_INFLIGHT_DIR"


def evaluate_on_node(
    source: str, name: str, settings: EvaluatorSettings, best: float
) -> dict[str, Any]:
    """The evaluation, on whichever node Ray picked: a local evaluation in scratch state
    that starts from the run's best score."""
    import ray

    node = ray.get_runtime_context().get_node_id()
    marker = None
    if os.environ.get(INFLIGHT_ENV):
        marker = Path(os.environ[INFLIGHT_ENV]) / f"{node}-{os.getpid()}-{time.time_ns()}"
        marker.write_text(node)
    try:
        with scratch_directory("remote") as directory:
            program = Path(directory) / name
            program.write_text(source)
            state = Path(directory) / "state"
            state.mkdir()
            (state / "best.json").write_text(json.dumps({"score": best, "program": "driver"}))
            result = evaluate_program(program, replace(settings, state_dir=str(state)))
            record = read_evaluations(state)[-1]
    finally:
        if marker is not None:
            marker.unlink(missing_ok=True)
    record = replace(record, node=node, host=socket.gethostname())
    return {"metrics": result.metrics, "artifacts": result.artifacts, "record": record}


def submit(
    source: str, name: str, settings: EvaluatorSettings, best: float, address: str
) -> dict[str, Any]:
    """Runs ``evaluate_on_node`` on the cluster at ``address`` and waits for it, at most
    until the evaluation's deadline (then the task is cancelled)."""
    import ray

    if not ray.is_initialized():
        ray.init(address=address, namespace=NAMESPACE, log_to_driver=False)
    remote = ray.remote(evaluate_on_node).options(
        num_cpus=0, resources={MEASURE_RESOURCE: 1}, max_retries=TASK_RETRIES
    )
    reference = remote.remote(source, name, settings, best)
    try:
        answer: dict[str, Any] = ray.get(reference, timeout=settings.deadline)
    except ray.exceptions.GetTimeoutError:
        ray.cancel(reference, force=True)
        raise
    return answer


def _submit_from_a_fresh_process(
    source: str, name: str, settings: EvaluatorSettings, best: float, address: str
) -> dict[str, Any]:
    """``submit`` in a child process of its own: OpenEvolve's controller evaluates the
    initial program itself and then forks its workers, which must not inherit a Ray
    connection (a forked connection hangs)."""
    with scratch_directory("ray-submit") as directory:
        arguments, answer_path = Path(directory) / "arguments", Path(directory) / "answer"
        arguments.write_bytes(pickle.dumps((source, name, settings, best, address)))
        done = subprocess.run(
            [sys.executable, "-m", "aiopt_harness.evolve.remote_evaluation", directory],
            capture_output=True,
            timeout=settings.deadline + 60,
        )
        if done.returncode != 0 or not answer_path.is_file():
            said = done.stderr.decode(errors="replace").strip().splitlines()
            last = said[-1] if said else "nothing"
            raise RuntimeError(f"the Ray submitter exited {done.returncode}: {last}")
        answer: dict[str, Any] = pickle.loads(answer_path.read_bytes())
    return answer


def evaluate_remotely(
    program_path: Path, settings: EvaluatorSettings, address: str
) -> EvaluationResult:
    """Sends the evaluation to the cluster at ``address``; never raises."""
    started = time.monotonic()
    task = load_task(settings.task)
    state = settings.state_path(task)
    source = program_path.read_text(errors="replace")
    try:
        best = BestScore(state).read()
        arguments = (source, program_path.name, settings, best, address)
        if multiprocessing.parent_process() is None:  # OpenEvolve's controller process
            answer = _submit_from_a_fresh_process(*arguments)
        else:
            answer = submit(*arguments)
        metrics, artifacts = answer["metrics"], answer["artifacts"]
        record: EvaluationRecord = answer["record"]
    except Exception as error:  # the cluster's fault, not the candidate's: said so
        detail = "".join(traceback.format_exception_only(error)).strip()[:2000]
        failed = failure(task, Status.HARNESS_ERROR, f"ray: {detail}")
        metrics, artifacts = failed.metrics.to_dict(), failed.artifacts
        record = EvaluationRecord(str(program_path), failed.metrics, artifacts.get("failure"))
    if record.metrics is not None and record.metrics.ok:
        BestScore(state).offer(record.metrics.combined_score, str(program_path))
    record = replace(
        record, program=str(program_path), driver_seconds=round(time.monotonic() - started, 3)
    )
    append_evaluation(state, record)
    return EvaluationResult(metrics=metrics, artifacts=artifacts)


def _submitter_main(directory: Path) -> None:
    """The child of ``_submit_from_a_fresh_process``: arguments and answer pickled in
    files of the directory it names (both ends are this harness; Ray prints to the
    standard streams)."""
    arguments = pickle.loads((directory / "arguments").read_bytes())
    answer = submit(*arguments)
    (directory / "answer").write_bytes(pickle.dumps(answer))


if __name__ == "__main__":
    _submitter_main(Path(sys.argv[1]))
