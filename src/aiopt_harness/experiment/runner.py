"""``aiopt experiment run``: every (task, track, seed) of a spec, resumably.

By default the runs go one after the other in this process; ``Executor`` can keep several
iterations of a run in flight, several runs going at once (child processes, see
``run_processes``), and evaluations on a Ray cluster (``evolve/remote_evaluation.py``).
Each run is an ``aiopt evolve`` run in ``runs/RUN`` with a checkpoint after every
iteration. Run the
same command again after a stop (Ctrl-C, ``kill -9``, a reboot): finished runs are
skipped; an unfinished one resumes after its last checkpoint, and the iterations it
repeats are recorded once (``iteration_log.latest_per_iteration``) and, when they ask
the LLM what they asked before, answered from the run's LLM journal
(``evolve/llm_journal.py``). The embedded model, when a track uses it, is served once
for the whole experiment.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import time
import traceback
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..common.cpu_ledger import LEDGER_ENV, LOCAL_LLM_CPUS_ENV, record_interval
from ..common.cpus import cpus_beside_measurement
from ..evolve.run import CONSTRAINED_DRAFT_TOKENS, EvolveOptions, run_evolve
from ..evolve.run_summary import RunSummary, read_summary
from ..evolve.spend import SpendSettings, exhausted, read_spent
from .facts import machine, versions
from .layout import ExperimentDir, RunStatus
from .spec import ExperimentSpec, RunKey, SpecError, Track, missing_keys
from .status import experiment_progress, format_status

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Executor:
    """Where evaluations run: here (``ray_address`` None) or on a Ray cluster, and how
    many iterations of a run are in flight at once (OpenEvolve's parallel_evaluations)."""

    ray_address: str | None = None
    parallel: int = 1
    runs_at_once: int = 1  # runs in child processes at once (1: in this process)

    def describe(self) -> str:
        where = f"on the Ray cluster at {self.ray_address}" if self.ray_address else "here"
        return (
            f"evaluations {where}, {self.runs_at_once} run(s) at once, {self.parallel} "
            "iteration(s) of a run at a time"
        )


ENDPOINT_TIMEOUT = 10.0  # seconds to wait for an endpoint's /models before refusing


def unreachable_endpoints(spec: ExperimentSpec) -> list[str]:
    """Endpoint tracks whose server does not answer ``GET /models``."""
    problems = []
    for track in spec.tracks:
        if track.embedded or not track.api_base:
            continue
        url = track.api_base.rstrip("/") + "/models"
        try:
            with urllib.request.urlopen(url, timeout=ENDPOINT_TIMEOUT) as answer:
                answer.read(1 << 16)
        except urllib.error.HTTPError as error:
            if error.code in (401, 403):
                continue  # it answers; the key is checked by the first request
            problems.append(f"{track.describe()}: {url} answered HTTP {error.code}")
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            problems.append(f"{track.describe()}: {url} does not answer ({reason})")
    return problems


def preflight(spec: ExperimentSpec, check_endpoints: bool = True) -> None:
    """Refuses, before anything runs, a spec whose tracks cannot reach their LLM."""
    problems = missing_keys(spec) + (unreachable_endpoints(spec) if check_endpoints else [])
    if problems:
        raise SpecError("the experiment cannot start:\n  " + "\n  ".join(problems))


@contextlib.contextmanager
def _environment(name: str, value: str) -> Iterator[None]:
    """``name=value`` in this process's environment (its children inherit it) for the
    block, then as it was."""
    previous = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = previous


@contextlib.contextmanager
def _embedded_server(
    needed: bool, executor: Executor, say: Progress, constrained: bool = False
) -> Iterator[tuple[str, str] | None]:
    """The embedded model for the whole experiment. With several iterations in flight it
    would generate while another iteration measures: then it is pinned to the CPUs
    beside the measurement CPU (recorded in the CPU ledger). For constrained tracks it
    drafts no tokens by prompt lookup (``CONSTRAINED_DRAFT_TOKENS``)."""
    if not needed:
        yield None
        return
    from ..llm.server import DEFAULT_DRAFT_TOKENS, DEFAULT_THREADS, LocalLlmServer

    overlapping = executor.parallel > 1 or executor.runs_at_once > 1
    cpus = cpus_beside_measurement() if overlapping else None
    threads = len(cpus) if cpus else DEFAULT_THREADS
    where = f" on CPUs {sorted(cpus)}" if cpus else ""
    say(f"starting the embedded local model for the experiment's embedded tracks{where}")
    started = time.time()
    server_cpus = cpus or frozenset(os.sched_getaffinity(0))
    try:
        with (
            LocalLlmServer(
                progress=say,
                cpus=cpus,
                threads=threads,
                draft_tokens=CONSTRAINED_DRAFT_TOKENS if constrained else DEFAULT_DRAFT_TOKENS,
            ) as server,
            _environment(LOCAL_LLM_CPUS_ENV, ",".join(map(str, sorted(server_cpus)))),
        ):
            yield server.api_base, server.model_name
    finally:
        record_interval("llm", server_cpus, started, time.time())


def spend_settings(spec: ExperimentSpec, key: RunKey) -> SpendSettings:
    """The track's spend ledger (every track has one: tokens per track in the status) and
    its budget and prices (paid endpoints)."""
    track = spec.track(key.track)
    return SpendSettings(
        ledger=str(spec.output / "spend" / f"{track.name}.jsonl"),
        run=key.name,
        token_budget=track.token_budget,
        cost_budget=track.cost_budget,
        price_prompt=track.price_prompt,
        price_completion=track.price_completion,
    )


def budget_spent(spec: ExperimentSpec, key: RunKey) -> str | None:
    """Why the run's track may ask nothing more (None: it may)."""
    settings = spend_settings(spec, key)
    return exhausted(settings, read_spent(Path(settings.ledger)))


def evolve_options(
    spec: ExperimentSpec,
    key: RunKey,
    output: Path,
    embedded: tuple[str, str] | None,
    executor: Executor | None = None,
) -> EvolveOptions:
    track: Track = spec.track(key.track)
    if track.embedded:
        assert embedded is not None
        api_base, model = embedded
    else:
        api_base, model = str(track.api_base), str(track.model)
    task = key.task
    if (spec.source.parent / task).is_dir():
        task = str(spec.source.parent / task)
    return EvolveOptions(
        task=task,
        iterations=spec.iterations,
        output=output,
        profile=track.profile,
        api_base=api_base,
        model=model,
        seed=key.seed,
        max_tokens=track.max_tokens or spec.budgets.max_tokens,
        resume=True,
        repair_rounds=spec.budgets.repairs,
        checkpoint_interval=1,
        evaluation_budget=spec.budgets.evaluation_seconds,
        profile_budget=spec.budgets.profile_seconds,
        temperature=track.temperature,
        api_key_env=track.api_key_env or "AIOPT_LLM_API_KEY",
        ray_address=executor.ray_address if executor else None,
        parallel_evaluations=executor.parallel if executor else None,
        constrained=track.is_constrained,
        samples=spec.budgets.samples,
        spend=spend_settings(spec, key),
    )


def _prefixed(say: Progress, prefix: str, line: str) -> None:
    say(f"{prefix} {line}")


def prune_checkpoints(openevolve_dir: Path) -> None:
    """A finished run keeps its last checkpoint only (one per iteration was written)."""
    checkpoints = sorted(
        (p for p in (openevolve_dir / "checkpoints").glob("checkpoint_*")
         if p.name.split("_")[-1].isdigit()),
        key=lambda p: int(p.name.split("_")[-1]),
    )  # fmt: skip
    for old in checkpoints[:-1]:
        shutil.rmtree(old, ignore_errors=True)


def finish_run(
    spec: ExperimentSpec,
    experiment: ExperimentDir,
    key: RunKey,
    summary: RunSummary | None,
    failure: str | None,
    prefix: str,
    started: float,
    say: Progress,
) -> None:
    """Records how a run ended (done with its summary, or failed with the reason)."""
    if summary is None:
        experiment.mark(key, RunStatus.FAILED, error=(failure or "no summary")[:2000])
        say(f"{prefix} failed: {failure}")
        return
    prune_checkpoints(experiment.run_dir(key) / "openevolve")
    experiment.mark(
        key,
        RunStatus.DONE,
        iterations_logged=summary.iterations_logged,
        best_speedup=summary.best_speedup,
        openevolve_error=summary.error,
    )
    if summary.budget_spent:
        say(
            f"{prefix} stopped asking: track {key.track}'s budget is spent "
            f"({summary.budget_spent} iterations asked nothing)"
        )
    best = summary.best_speedup
    say(
        f"{prefix} done in {time.monotonic() - started:.0f} s: "
        f"{summary.iterations_logged} iterations, {summary.valid} valid, "
        f"best speedup {f'{best:.3f}x' if best is not None else 'none measured'}"
    )
    say(format_status(spec, experiment_progress(spec)))


def skip_spent(
    spec: ExperimentSpec, experiment: ExperimentDir, key: RunKey, prefix: str, say: Progress
) -> bool:
    """A run whose track's budget is spent is not started: it is marked ``budget_spent``
    (with the reason) and the others go on."""
    reason = budget_spent(spec, key)
    if reason is None:
        return False
    experiment.mark(key, RunStatus.BUDGET_SPENT, error=reason)
    say(f"{prefix} not started: {reason} (track {key.track})")
    return True


def run_at_once(
    spec: ExperimentSpec,
    experiment: ExperimentDir,
    todo: list[RunKey],
    embedded: tuple[str, str] | None,
    executor: Executor,
    say: Progress,
) -> list[RunSummary]:
    """Up to ``executor.runs_at_once`` runs at a time, each in a child process that dies
    with this one: one run's LLM calls overlap another's evaluations (each measurement
    still holds its CPU's lease alone)."""
    from .run_processes import RunProcess

    waiting = list(enumerate(todo, start=1))
    running: dict[RunKey, tuple[RunProcess, str, float]] = {}
    summaries = []
    try:
        while waiting or running:
            while waiting and len(running) < executor.runs_at_once:
                number, key = waiting.pop(0)
                prefix = f"[{number}/{len(todo)} {key.name}]"
                if skip_spent(spec, experiment, key, prefix, say):
                    continue
                output = experiment.run_dir(key)
                experiment.mark(key, RunStatus.RUNNING, executor=executor.describe())
                say(f"{prefix} {'resuming' if (output / 'openevolve').is_dir() else 'starting'}")
                child = RunProcess(
                    evolve_options(spec, key, output, embedded, executor),
                    functools.partial(_prefixed, say, prefix),
                )
                running[key] = (child, prefix, time.monotonic())
            time.sleep(0.5)
            for key, (child, prefix, started) in list(running.items()):
                if child.poll() is None:
                    continue
                code = child.finish()
                del running[key]
                summary = read_summary(experiment.run_dir(key)) if code == 0 else None
                if summary is not None:
                    finish_run(spec, experiment, key, summary, None, prefix, started, say)
                    summaries.append(summary)
                else:
                    failure = f"the run's process exited {code}: " + " | ".join(child.tail[-5:])
                    finish_run(spec, experiment, key, None, failure, prefix, started, say)
    finally:
        for child, _, _ in running.values():  # Ctrl-C or an error here: no run left going
            child.kill()
    return summaries


def run_experiment(
    spec: ExperimentSpec,
    say: Progress = print,
    check_endpoints: bool = True,
    executor: Executor | None = None,
) -> list[RunSummary]:
    """Runs what is not done yet; returns the summaries of the runs made now."""
    executor = executor or Executor()
    preflight(spec, check_endpoints)
    experiment = ExperimentDir(spec.output)
    runs = spec.runs()
    uses_embedded = any(track.embedded for track in spec.tracks)
    experiment.start(spec, versions(uses_embedded), machine())
    todo = [key for key in runs if experiment.state(key).state is not RunStatus.DONE]
    say(
        f"experiment {spec.name}: {len(runs)} runs ({len(spec.tasks)} tasks x "
        f"{len(spec.tracks)} tracks x {len(spec.seeds)} seeds, {spec.iterations} iterations "
        f"each), {len(runs) - len(todo)} done, {len(todo)} to go; directory {spec.output}"
    )
    for track in spec.tracks:
        say(f"  {track.describe()}")
    say(f"  {executor.describe()}")
    summaries = []
    needs_embedded = any(spec.track(key.track).embedded for key in todo)
    constrained = any(t.embedded and t.is_constrained for t in spec.tracks)
    with (
        _environment(LEDGER_ENV, str(spec.output / "cpu_ledger.jsonl")),
        _embedded_server(needs_embedded, executor, say, constrained) as embedded,
    ):
        if executor.runs_at_once > 1:
            return run_at_once(spec, experiment, todo, embedded, executor, say)
        for number, key in enumerate(todo, start=1):
            prefix = f"[{number}/{len(todo)} {key.name}]"
            if skip_spent(spec, experiment, key, prefix, say):
                continue
            output = experiment.run_dir(key)
            experiment.mark(key, RunStatus.RUNNING, executor=executor.describe())
            say(f"{prefix} {'resuming' if (output / 'openevolve').is_dir() else 'starting'}")
            started = time.monotonic()
            try:
                summary = run_evolve(
                    evolve_options(spec, key, output, embedded, executor),
                    say=functools.partial(_prefixed, say, prefix),
                )
            except Exception as error:  # the harness's fault: recorded, the others go on
                detail = "".join(traceback.format_exception_only(error)).strip()
                finish_run(spec, experiment, key, None, detail, prefix, started, say)
                continue
            finish_run(spec, experiment, key, summary, None, prefix, started, say)
            summaries.append(summary)
    return summaries
