"""``aiopt evolve``: OpenEvolve on one task, with this harness as the evaluator.

Everything a run uses and makes lives in its output directory:

    config.yaml        the exact OpenEvolve config (the task's template + this run's settings)
    evaluator.py       the evaluator OpenEvolve loads (calls aiopt_harness.evolve.evaluator)
    state/             evaluations.jsonl (every evaluation), best.json (best confirmed score),
                       repairs.jsonl (iterations asked again, see evolve/repair.py),
                       samples.jsonl (every answer of a constrained run, evolve/sampling.py),
                       llm_answers.jsonl (every answer by its request)
    openevolve/        OpenEvolve's output: checkpoints, traces, logs, best program
    iterations.jsonl   one record per iteration, failed ones included
    summary.json       the summary printed at the end
    best_program.cpp   the best program found
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..common.jsonl import read_jsonl
from ..tasks.task import Task, load_task
from .config import (
    config_yaml,
    constrained_edit_format,
    evaluator_source,
    task_config,
    with_overrides,
)
from .evaluation_record import (
    EVALUATIONS,
    EvaluationRecord,
    Metrics,
    evaluation_from_dict,
    metrics_from_dict,
    read_evaluations,
)
from .iteration_log import merge_iteration_log
from .run_summary import RunSettings, RunSummary, summarize, write_summary
from .spend import SpendSettings

if TYPE_CHECKING:
    from openevolve.config import Config

Progress = Callable[[str], None]
# Prompt-lookup drafting when the embedded model is asked with constrained decoding:
# none. Drafts copied from the prompt pay off when the answer copies the program; a
# constrained answer that passes the filter does not, and rejected drafts cost more than
# they save (measured here: a 150-token answer evaluated 450-540 drafted tokens).
CONSTRAINED_DRAFT_TOKENS = 0


@dataclass(frozen=True)
class EvolveOptions:
    task: str  # task directory or built-in name
    iterations: int
    output: Path
    profile: bool = True
    api_base: str | None = None  # None: the embedded local model
    model: str | None = None
    seed: int = 42
    max_tokens: int | None = None
    resume: bool = False
    require_containment: bool = False  # evaluations refuse a partial sandbox
    # repair requests per iteration when the answer gives no program that compiles
    repair_rounds: int = 1
    checkpoint_interval: int | None = None  # None: the task template's (5)
    evaluation_budget: float | None = None  # seconds of timing per comparison (None: 1.0)
    profile_budget: float | None = None  # seconds per external profiler (None: 0.5)
    temperature: float | None = None
    api_key_env: str = "OPENAI_API_KEY"  # the environment variable holding the key
    ray_address: str | None = None  # evaluations on this Ray cluster (remote_evaluation)
    parallel_evaluations: int | None = None  # OpenEvolve's concurrent iterations (None: 1)
    # constrained decoding and several filtered answers per iteration (evolve/sampling.py);
    # None: on for the embedded model, off for an endpoint (asked as before)
    constrained: bool | None = None
    samples: int = 4  # answers asked at most per iteration when constrained
    spend: SpendSettings | None = None  # the track's spend ledger and budget

    @property
    def is_constrained(self) -> bool:
        return self.api_base is None if self.constrained is None else self.constrained


@contextlib.contextmanager
def _llm_endpoint(options: EvolveOptions, say: Progress) -> Iterator[tuple[str, str | None]]:
    """(api_base, model) of the LLM: the given endpoint, or the embedded model served
    for the duration of the run."""
    if options.api_base is not None:
        yield options.api_base, options.model
        return
    from ..llm.server import DEFAULT_DRAFT_TOKENS, LocalLlmServer

    say("no --api-base: starting the embedded local model (first run: download and build)")
    drafts = CONSTRAINED_DRAFT_TOKENS if options.is_constrained else DEFAULT_DRAFT_TOKENS
    with LocalLlmServer(progress=say, draft_tokens=drafts) as server:
        yield server.api_base, server.model_name


def _format_evaluation(number: int, record: EvaluationRecord) -> str:
    metrics = record.metrics
    if metrics is not None and metrics.ok:
        return (
            f"evaluation {number}: ok, speedup {metrics.speedup:.3f} "
            f"[{metrics.ci_low:.3f}, {metrics.ci_high:.3f}], score "
            f"{metrics.combined_score:.3f} ({record.seconds or 0.0:.0f} s)"
        )
    failure = str(record.failure or record.status).splitlines()[0][:120]
    return f"evaluation {number}: {failure}"


class _ProgressTail(threading.Thread):
    """Prints a line for every new evaluation and failed iteration while the run goes."""

    def __init__(self, state: Path, openevolve_dir: Path, say: Progress) -> None:
        super().__init__(daemon=True)
        self.files = {
            "evaluation": state / EVALUATIONS,
            "iteration": openevolve_dir / "evolution_trace_failures.jsonl",
        }
        self.seen = {key: 0 for key in self.files}
        self.say = say
        self.stopping = threading.Event()

    def poll(self) -> None:
        """Says each record added since the last poll (a torn last line is read once
        it is whole)."""
        for key, path in self.files.items():
            records = read_jsonl(path).records
            for record in records[self.seen[key] :]:
                self.seen[key] += 1
                if key == "evaluation":
                    self.say(_format_evaluation(self.seen[key], evaluation_from_dict(record)))
                else:
                    self.say(
                        f"iteration {record.get('iteration')}: no program "
                        f"({str(record.get('error', ''))[:120]})"
                    )

    def run(self) -> None:
        while not self.stopping.wait(1.0):
            self.poll()

    def stop(self) -> None:
        self.stopping.set()
        self.join()
        self.poll()


def _latest_checkpoint(openevolve_dir: Path) -> Path | None:
    """The newest complete checkpoint (OpenEvolve writes metadata.json last: a kill
    during a save leaves a directory without it)."""
    checkpoints = sorted(
        (
            path
            for path in (openevolve_dir / "checkpoints").glob("checkpoint_*")
            if path.name.split("_")[-1].isdigit() and (path / "metadata.json").is_file()
        ),
        key=lambda p: int(p.name.split("_")[-1]),
    )
    return checkpoints[-1] if checkpoints else None


def checkpoint_iteration(checkpoint: Path) -> int:
    """The last iteration a checkpoint holds."""
    try:
        metadata = json.loads((checkpoint / "metadata.json").read_text())
        return int(metadata.get("last_iteration") or checkpoint.name.split("_")[-1])
    except (OSError, ValueError, TypeError):
        return int(checkpoint.name.split("_")[-1])


def _initial_evaluation(state: Path, task: Task) -> tuple[str, Metrics | None, float]:
    """(code, metrics, score) of the initial program from the run's evaluation log."""
    code = task.initial.read_text()
    digest = hashlib.sha256(code.encode()).hexdigest()
    for record in read_evaluations(state):
        if record.sha256 == digest and record.metrics is not None and record.metrics.ok:
            return code, record.metrics, record.metrics.combined_score
    return "", None, 0.0


def _checkpoint_best(checkpoint: Path) -> tuple[str, Metrics | None, float]:
    """(code, metrics, score) of a checkpoint's best program, for a run that has no
    iteration left to do."""
    try:
        metadata = json.loads((checkpoint / "metadata.json").read_text())
        program = json.loads(
            (checkpoint / "programs" / f"{metadata['best_program_id']}.json").read_text()
        )
        metrics = dict(program.get("metrics") or {})
        score = float(metrics.get("combined_score", 0))
        return str(program.get("code") or ""), metrics_from_dict(metrics), score
    except (OSError, ValueError, KeyError, TypeError):
        return "", None, 0.0


def _drop_handlers_since(kept: list[logging.Handler]) -> None:
    """Removes the log handlers OpenEvolve's controller added to the root logger (a file
    in this run's log_dir, the console): the next run in this process would otherwise
    log into this run's file too, and print every line once more."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler not in kept:
            root.removeHandler(handler)
            handler.close()


def _set_given(table: dict[str, Any], **values: object) -> None:
    """Sets the keys whose value was given (not None): the rest keep the template's."""
    table.update({key: value for key, value in values.items() if value is not None})


def _prepare(options: EvolveOptions, task: Task, api_base: str, model: str | None) -> Path:
    output = options.output
    output.mkdir(parents=True, exist_ok=True)
    edit = constrained_edit_format(task) if options.is_constrained else None
    config = with_overrides(
        task_config(task, profile=options.profile, seed=options.seed, edit=edit),
        api_base=api_base,
        model=model,
        api_key=os.environ.get(options.api_key_env, "none"),
        max_tokens=options.max_tokens,
        iterations=options.iterations,
        state_dir=(output / "state").resolve(),
        require_containment=options.require_containment,
    )
    config["log_dir"] = str((output / "openevolve" / "logs").resolve())
    _set_given(config, checkpoint_interval=options.checkpoint_interval)
    _set_given(config["llm"], temperature=options.temperature)
    _set_given(config["evaluator"], parallel_evaluations=options.parallel_evaluations)
    _set_given(
        config["evaluator"]["evaluator_args"],
        budget=options.evaluation_budget,
        profile_budget=options.profile_budget,
        ray_address=options.ray_address,
    )
    config_path = output / "config.yaml"
    if options.is_constrained:
        asking = (
            f"# constrained decoding ({edit}): up to {options.samples} answers per iteration, "
            "each held to one change by a GBNF grammar, the first that compiles and passes "
            "the check goes on (evolve/sampling.py; set in code: llm.models[].init_client)\n"
        )
    else:
        asking = (
            f"# repair: up to {options.repair_rounds} request(s) per iteration when the "
            "answer gives no program that compiles (evolve/repair.py; set in code: "
            "llm.models[].init_client)\n"
        )
    header = f"# aiopt evolve {task.name}\n{asking}"
    config_path.write_text(config_yaml(config, header))
    (output / "evaluator.py").write_text(evaluator_source(task.name, str(task.directory)))
    return config_path


def _openevolve_config(config_path: Path, options: EvolveOptions, task: Task) -> Config:
    """The written config, with every model's client wrapped by the sampler (constrained)
    or the repair round."""
    from openevolve.config import Config

    from .repair import RepairSettings, repair_client
    from .sampling import SamplingSettings, sampling_client

    config = Config.from_yaml(str(config_path))
    state_dir = str((options.output / "state").resolve())
    if options.is_constrained:
        client = sampling_client(
            SamplingSettings(str(task.directory), state_dir, options.samples, True, options.spend)
        )
    else:
        client = repair_client(
            RepairSettings(str(task.directory), state_dir, options.repair_rounds, options.spend)
        )
    for model in config.llm.models:
        model.init_client = client
    return config


def run_evolve(options: EvolveOptions, say: Progress = print) -> RunSummary:
    """Runs the evolution and returns the summary (also written to summary.json)."""
    from openevolve.api import run_evolution

    task = load_task(options.task)
    output = options.output
    openevolve_dir = output / "openevolve"
    checkpoint = _latest_checkpoint(openevolve_dir) if options.resume else None
    # OpenEvolve runs `iterations` more after a checkpoint: only those still to do.
    done = checkpoint_iteration(checkpoint) if checkpoint is not None else 0
    remaining = max(options.iterations - done, 0)
    started = time.monotonic()
    best_code, best_score = "", 0.0
    metrics: Metrics | None = None
    error = None
    if remaining == 0 and checkpoint is not None:
        say(f"{task.name}: all {options.iterations} iterations are in {checkpoint}")
        best_code, metrics, best_score = _checkpoint_best(checkpoint)
    else:
        with _llm_endpoint(options, say) as (api_base, model):
            config_path = _prepare(options, task, api_base, model)
            say(
                f"evolving {task.name} for {options.iterations} iterations, profile "
                f"{'on' if options.profile else 'off'}, seed {options.seed}, LLM {api_base}"
                + (f", resuming after iteration {done} ({checkpoint})" if checkpoint else "")
            )
            tail = _ProgressTail(output / "state", openevolve_dir, say)
            tail.start()
            handlers = list(logging.getLogger().handlers)
            try:
                result = run_evolution(
                    initial_program=str(task.initial),
                    evaluator=str(output / "evaluator.py"),
                    config=_openevolve_config(config_path, options, task),
                    iterations=remaining,
                    output_dir=str(openevolve_dir),
                    cleanup=False,
                    checkpoint_path=str(checkpoint) if checkpoint else None,
                )
                best_code = result.best_code or ""
                metrics = metrics_from_dict(dict(result.metrics or {}))
                best_score = float(result.best_score or 0.0)
            except Exception as failure:  # e.g. EvolutionFailedError: no iteration gave a child
                error = f"{type(failure).__name__}: {failure}"
                say(f"OpenEvolve stopped: {error}")
                stopped_at = _latest_checkpoint(openevolve_dir)
                if stopped_at is not None:  # the best so far (the initial program at least)
                    best_code, metrics, best_score = _checkpoint_best(stopped_at)
                else:  # no child, so no checkpoint: the initial program's evaluation
                    best_code, metrics, best_score = _initial_evaluation(output / "state", task)
            finally:
                tail.stop()
                _drop_handlers_since(handlers)
    from .repair import read_journal
    from .sampling import read_samples

    records = merge_iteration_log(
        openevolve_dir,
        output / "iterations.jsonl",
        read_journal(output / "state"),
        output / "state",
        read_samples(output / "state"),
    )
    best_path = output / "best_program.cpp"
    if best_code:
        best_path.write_text(best_code)
    summary = summarize(
        RunSettings(
            task.name, options.profile, options.seed, options.iterations, options.is_constrained
        ),
        records,
        best=metrics,
        best_score=best_score,
        best_program=str(best_path) if best_code else None,
        error=error,
        seconds=round(time.monotonic() - started, 1),
    )
    write_summary(output, summary)
    return summary
