"""The OpenEvolve evaluator of a task: check, compare, and (optionally) profile.

Stage 1 compiles the candidate and checks its output on every input (cheap). Stage 2,
only for correct candidates, compares it with the task's initial program in the
interleaved protocol and, when profiler feedback is on, profiles it. Profiler feedback
changes one thing only: the ``profile`` artifact. Failure feedback (compiler
diagnostics, the wrong-output description, the crash status) is the same either way.

Every result carries the same metric keys (MAP-Elites features included), failures too;
every value is a plain float except ``status`` (``evaluation_record.Metrics``). Each
evaluation is also appended to ``evaluations.jsonl`` in the state directory
(``evaluation_record.EvaluationRecord``).

This module evaluates here, in this process's sandboxed workers; whether an evaluation
runs here or elsewhere is decided above it (``evolve/evaluation_backend.py``).
"""

from __future__ import annotations

import contextlib
import hashlib
import multiprocessing
import os
import re
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openevolve.evaluation_result import EvaluationResult

from ..build.compiler import compile_candidate
from ..common.paths import cache_dir
from ..common.procfs import read_process_stat
from ..measurement.harness import check, compare
from ..measurement.report import timing_summary
from ..measurement.results import CompareResult
from ..profilers.mutation_context import generate_mutation_context
from ..profilers.profiling import profile
from ..sandbox.verdict import Status
from ..tasks.task import Task, load_task
from .evaluation_record import EvaluationRecord, Metrics, append_evaluation
from .fitness import BestScore, confirmed_score, metric_score, safe_score

# The profile of every evaluation: the comparison's counters and off-CPU figures, perf's
# samples and (when it fits the budget) cachegrind. Causal profiling needs 10-30 s.
EVALUATION_PROFILERS = ("counters", "simulated", "sampling", "offcpu")
# Seconds the profile may take at most (its tools' timeouts are cut to what is left).
PROFILE_RESERVE = 60.0
PROFILE_TOOL_TIMEOUT = 120.0  # profile()'s own default
EVOLVE_BLOCK = re.compile(r"// EVOLVE-BLOCK-START\n(.*?)// EVOLVE-BLOCK-END", re.DOTALL)


@dataclass(frozen=True)
class EvaluatorSettings:
    """What one evaluator does; set per run through OpenEvolve's ``evaluator_args``."""

    task: str
    profile: bool = True  # the experiment's factor: the profile artifact on or off
    budget: float = 1.0  # seconds of interleaved timing per comparison
    timeout: float = 20.0  # seconds per isolated run of candidate code
    profile_budget: float = 0.5  # seconds each external profiler aims for (perf: 500 samples)
    profilers: tuple[str, ...] = EVALUATION_PROFILERS
    max_context_chars: int = 4000
    state_dir: str | None = None  # best.json, evaluations.jsonl (default: in the cache)
    # refuse to run candidates unless every sandbox layer is active (containment_unavailable)
    require_containment: bool = False
    # The evaluation's own deadline, below OpenEvolve's evaluator.timeout (300 s; its
    # timeout kills nothing and surfaces as other_error): the profile is skipped, and the
    # skip recorded, when less than PROFILE_RESERVE seconds of it are left.
    deadline: float = 240.0

    def state_path(self, task: Task) -> Path:
        """``state_dir``, or one directory per OpenEvolve process (the evaluator runs in
        its worker processes): runs and tracks never share a best score."""
        if self.state_dir:
            return Path(self.state_dir)
        return cache_dir() / "evolve-state" / f"{task.name}-{_run_key()}"


def _run_key() -> str:
    """OpenEvolve's controller process (this one, or the parent of a worker process) by
    pid and start time, so that a reused pid is another run."""
    parent_process = multiprocessing.parent_process()
    controller = parent_process.pid if parent_process is not None else None
    controller = controller or os.getpid()
    try:
        started = str(read_process_stat(controller).start_time)
    except (OSError, ValueError, IndexError):
        started = "0"
    return f"{controller}-{started}"


class Stages:
    """Seconds per stage of one evaluation (compile, check, compare, each profiler)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextlib.contextmanager
    def timed(self, name: str) -> Iterator[None]:
        started = time.monotonic()
        try:
            yield
        finally:
            self.add(name, time.monotonic() - started)

    def add(self, name: str, seconds: float) -> None:
        self.seconds[name] = round(self.seconds.get(name, 0.0) + seconds, 3)


class CheckMemo:
    """Object files (content-addressed: source, flags, compiler) that passed the check in
    this run, so that the same program is checked once. A skipped check loses nothing:
    every comparison checks every output again."""

    def __init__(self, state: Path) -> None:
        self.directory = state / "checked"

    def passed(self, object_file: Path) -> bool:
        return (self.directory / object_file.name).is_file()

    def record(self, object_file: Path) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / object_file.name).touch()


def code_lines(source: str) -> float:
    """Non-blank lines inside the EVOLVE block (the whole file without markers)."""
    match = EVOLVE_BLOCK.search(source)
    region = match.group(1) if match else source
    return float(sum(1 for line in region.splitlines() if line.strip()))


def _metrics(
    task: Task,
    status: Status,
    score: float,
    lines: float,
    comparison: CompareResult | None,
    metric: float | None,
    confirmed: bool,
) -> Metrics:
    """The same keys on every result."""
    speedup = ci_low = ci_high = None
    if comparison is not None:
        speedup, ci_low, ci_high = comparison.speedup, comparison.ci_low, comparison.ci_high
    name = task.objective.metric
    return Metrics(
        status=status,
        combined_score=safe_score(score),
        speedup=safe_score(speedup),
        ci_low=safe_score(ci_low),
        ci_high=safe_score(ci_high),
        confirmed=confirmed,
        code_lines=lines,
        task_metric=(name, safe_score(metric)) if name is not None else None,
    )


@dataclass(frozen=True)
class Evaluated:
    """An evaluation's metrics and artifacts (the failure, timing and profile texts)."""

    metrics: Metrics
    artifacts: dict[str, str]

    def result(self) -> EvaluationResult:
        """As OpenEvolve takes it: the metrics as their plain dict."""
        return EvaluationResult(metrics=self.metrics.to_dict(), artifacts=dict(self.artifacts))


def failure(task: Task, status: Status, message: str, lines: float = 0.0) -> Evaluated:
    return Evaluated(
        _metrics(task, status, 0.0, lines, None, None, False),
        {"failure": f"{status.value}: {message}"},
    )


def _compare(task: Task, source: Path, settings: EvaluatorSettings) -> CompareResult:
    return compare(
        task.initial,
        source,
        task=task,
        budget=settings.budget,
        timeout=settings.timeout,
        require_containment=settings.require_containment,
    )


def _profile_artifact(
    source: Path,
    task: Task,
    settings: EvaluatorSettings,
    comparison: CompareResult,
    stages: Stages,
    left: float,
) -> str:
    """The profile text for the prompt, from the comparison's candidate side plus the
    external profilers. Never raises: a profiler fault becomes a line of the artifact and
    never changes the score (both tracks must score alike). ``left``: seconds of the
    evaluation's deadline that are left."""
    if left < PROFILE_RESERVE:
        stages.add("profile_skipped", 0.0)
        return (
            f"profile unavailable: skipped, the evaluation had {max(left, 0.0):.0f} s of its "
            f"{settings.deadline:.0f} s deadline left (the profile needs up to "
            f"{PROFILE_RESERVE:.0f} s)"
        )
    try:
        result = profile(
            source,
            task=task,
            profilers=settings.profilers,
            budget=settings.profile_budget,
            timeout=min(PROFILE_TOOL_TIMEOUT, left / 2),
            require_containment=settings.require_containment,
            measurement=comparison.candidate_measurement(),
            concurrent=True,
        )
    except Exception as error:  # the score stands; the artifact says what broke
        detail = "".join(traceback.format_exception_only(error)).strip()
        return f"profile unavailable: internal error: {detail}"
    for name, section in result.sections.items():
        stages.add(f"profile:{name}", section.seconds or 0.0)
    context = generate_mutation_context(result, max_chars=settings.max_context_chars)
    return context.text


def _evaluate(
    source: Path, settings: EvaluatorSettings, task: Task, stages: Stages, started: float
) -> Evaluated:
    lines = code_lines(source.read_text(errors="replace"))
    with stages.timed("compile"):
        compiled = compile_candidate(source, task.cxxflags)
    if compiled.object_file is None:
        return failure(task, Status.COMPILE_ERROR, compiled.diagnostics, lines)
    memo = CheckMemo(settings.state_path(task))
    checked_before = memo.passed(compiled.object_file)
    checked = None
    if not checked_before or task.objective.metric is not None:  # a metric comes from it
        with stages.timed("check"):  # stage 1
            checked = check(
                source,
                task=task,
                timeout=settings.timeout,
                require_containment=settings.require_containment,
            )
        if not checked.ok:
            return failure(task, checked.status, checked.message, lines)
        memo.record(compiled.object_file)

    with stages.timed("compare"):  # stage 2
        first = _compare(task, source, settings)
    if not first.ok or first.ci_low is None:
        return failure(task, first.status, first.message, lines)
    metric = checked.metric.value if checked is not None and checked.metric else None
    confirmed = False
    if checked is not None and checked.metric is not None:
        score = metric_score(checked.metric.value, checked.metric.direction)
    else:
        score = confirmed_score(first.ci_low, None)
        best = BestScore(settings.state_path(task))
        if score > best.read():
            with stages.timed("confirm"):
                second = _compare(task, source, settings)
            second_low = second.ci_low if second.ok and second.ci_low is not None else 0.0
            score = confirmed_score(first.ci_low, second_low)
            confirmed = True
    BestScore(settings.state_path(task)).offer(score, str(source))

    artifacts: dict[str, str] = {"timing": timing_summary(first)}
    if settings.profile:
        with stages.timed("profile"):
            left = settings.deadline - (time.monotonic() - started)
            artifacts["profile"] = _profile_artifact(source, task, settings, first, stages, left)
    return Evaluated(_metrics(task, Status.OK, score, lines, first, metric, confirmed), artifacts)


def evaluate_program(program_path: str | Path, settings: EvaluatorSettings) -> EvaluationResult:
    """Evaluates one candidate here; never raises (a harness error scores 0 and says why)."""
    started = time.monotonic()
    source = Path(program_path)
    task = load_task(settings.task)
    stages = Stages()
    for attempt in range(2):  # a harness fault is retried once: it is not the candidate's
        try:
            evaluated = _evaluate(source, settings, task, stages, started)
        except Exception as error:  # the evolution must go on; the log says what broke
            detail = "".join(traceback.format_exception_only(error)).strip()
            evaluated = failure(task, Status.HARNESS_ERROR, detail, 0.0)
        if evaluated.metrics.status is not Status.HARNESS_ERROR or attempt == 1:
            break
    append_evaluation(
        settings.state_path(task),
        EvaluationRecord(
            program=str(source),
            metrics=evaluated.metrics,
            failure=evaluated.artifacts.get("failure"),
            sha256=hashlib.sha256(source.read_bytes()).hexdigest() if source.is_file() else None,
            profile=settings.profile,
            seconds=round(time.monotonic() - started, 3),
            stages=stages.seconds,
            profile_chars=len(str(evaluated.artifacts.get("profile", ""))),
        ),
    )
    return evaluated.result()


def evaluate_for_task(task: str, program_path: str, **settings: Any) -> EvaluationResult:
    """A local evaluation with OpenEvolve's ``evaluator_args`` as keyword arguments (what
    ``evaluation_backend.evaluate_for_task`` does when no cluster is named)."""
    return evaluate_program(program_path, EvaluatorSettings(task=task, **settings))
