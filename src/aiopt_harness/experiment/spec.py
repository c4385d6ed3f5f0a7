"""An experiment's spec: a TOML file naming tasks, tracks, seeds, iterations and budgets.

``aiopt experiment init`` writes :data:`EXAMPLE` (the 2x2 factorial, commented); the
demo spec (:data:`DEMO`) uses the embedded model on every track. Unknown keys are errors
(OpenEvolve ignores unknown config keys silently; a misspelt budget must not pass).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..tasks.task import TaskError, load_task


class SpecError(ValueError):
    """A spec that cannot be run, with the reason (file and key)."""


@dataclass(frozen=True)
class Track:
    """One arm of the factorial: an LLM and the profile artifact on or off."""

    name: str
    profile: bool
    embedded: bool  # the embedded local model (no endpoint needed)
    api_base: str | None = None
    model: str | None = None
    api_key_env: str | None = None  # the environment variable holding the key
    temperature: float | None = None
    max_tokens: int | None = None
    # constrained decoding with filtered samples (evolve/sampling.py); None: on for the
    # embedded model, off for an endpoint (asked as before)
    constrained: bool | None = None
    token_budget: int | None = None  # prompt + completion tokens over the whole track
    cost_budget: float | None = None  # money over the whole track, at the prices below
    price_prompt: float | None = None  # per million prompt tokens
    price_completion: float | None = None  # per million completion tokens

    @property
    def is_constrained(self) -> bool:
        return self.embedded if self.constrained is None else self.constrained

    @property
    def has_budget(self) -> bool:
        return self.token_budget is not None or self.cost_budget is not None

    def describe(self) -> str:
        llm = "embedded model" if self.embedded else f"{self.model} at {self.api_base}"
        budget = [f"{self.token_budget} tokens"] if self.token_budget is not None else []
        budget += [f"{self.cost_budget} (money)"] if self.cost_budget is not None else []
        return (
            f"track {self.name}: {llm}, profile {'on' if self.profile else 'off'}"
            + (", constrained" if self.is_constrained else "")
            + (f", budget {' and '.join(budget)}" if budget else "")
        )


@dataclass(frozen=True)
class Budgets:
    evaluation_seconds: float = 1.0  # interleaved timing per comparison
    profile_seconds: float = 0.5  # what each external profiler aims for
    max_tokens: int = 2048  # per LLM answer (a track may set its own)
    repairs: int = 1  # repair requests per iteration (evolve/repair.py; unconstrained)
    samples: int = 4  # answers asked at most per iteration (constrained tracks)


@dataclass(frozen=True)
class AnalysisSettings:
    """How ``aiopt analyze`` judges the experiment (``[analysis]`` in the spec)."""

    # "B ~ C" holds when the Hodges-Lehmann shift of log speedup and its 90% interval lie
    # within +-log(margin); None: no margin given, so equivalence is not judged.
    equivalence_margin: float | None = None


@dataclass(frozen=True)
class RunKey:
    """One (task, track, seed): one OpenEvolve run."""

    task: str
    track: str
    seed: int

    @property
    def name(self) -> str:
        return f"{self.task}-{self.track}-s{self.seed}"


@dataclass(frozen=True)
class ExperimentSpec:
    name: str
    tasks: tuple[str, ...]
    tracks: tuple[Track, ...]
    seeds: tuple[int, ...]
    iterations: int
    budgets: Budgets
    output: Path  # the experiment directory
    source: Path  # the spec file
    text: str  # the spec file's text, kept with the experiment
    analysis: AnalysisSettings = AnalysisSettings()

    def track(self, name: str) -> Track:
        return next(track for track in self.tracks if track.name == name)

    def runs(self) -> list[RunKey]:
        """Every run, seed-major: a stopped experiment has the tracks alike done."""
        return [
            RunKey(task, track.name, seed)
            for seed in self.seeds
            for task in self.tasks
            for track in self.tracks
        ]


TOP_KEYS = {"name", "tasks", "seeds", "iterations", "output", "budgets", "tracks", "analysis"}
ANALYSIS_KEYS = {"equivalence_margin"}
TRACK_KEYS = {
    "profile", "llm", "api_base", "model", "api_key_env", "temperature", "max_tokens",
    "constrained", "token_budget", "cost_budget", "price_prompt", "price_completion",
}  # fmt: skip
BUDGET_KEYS = {"evaluation_seconds", "profile_seconds", "max_tokens", "repairs", "samples"}


def _unknown(where: str, table: dict[str, Any], known: set[str]) -> None:
    extra = sorted(set(table) - known)
    if extra:
        raise SpecError(f"{where}: unknown keys {extra} (known: {', '.join(sorted(known))})")


def _typed(where: str, value: Any, kind: type | tuple[type, ...], what: str) -> Any:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        raise SpecError(f"{where}: {what}, not {value!r}")
    return value


def _track(path: Path, name: str, table: Any) -> Track:
    where = f"{path}: [tracks.{name}]"
    if not isinstance(table, dict):
        raise SpecError(f"{where}: a table")
    _unknown(where, table, TRACK_KEYS)
    if "profile" not in table:
        raise SpecError(f"{where}: profile = true or false is required (the factor)")
    profile = _typed(where, table["profile"], bool, "profile is true or false")
    llm = table.get("llm", "endpoint")
    if llm not in ("embedded", "endpoint"):
        raise SpecError(f'{where}: llm is "embedded" or "endpoint", not {llm!r}')
    embedded = llm == "embedded"
    api_base, model = table.get("api_base"), table.get("model")
    if embedded and (api_base or model):
        raise SpecError(f'{where}: llm = "embedded" takes no api_base or model')
    if not embedded and not (isinstance(api_base, str) and api_base and isinstance(model, str)):
        raise SpecError(
            f"{where}: no LLM endpoint configured: set api_base and model (an "
            'OpenAI-compatible server), or llm = "embedded" for the embedded local model'
        )
    temperature = table.get("temperature")
    if temperature is not None:
        temperature = float(_typed(where, temperature, (int, float), "temperature is a number"))
    max_tokens = table.get("max_tokens")
    if max_tokens is not None:
        _typed(where, max_tokens, int, "max_tokens is an integer")
    key_env = table.get("api_key_env")
    if key_env is not None:
        _typed(where, key_env, str, "api_key_env names an environment variable")
    constrained = table.get("constrained")
    if constrained is not None:
        _typed(where, constrained, bool, "constrained is true or false")
    return Track(
        name, profile, embedded, api_base, model, key_env, temperature, max_tokens,
        constrained, *_spend(where, table),
    )  # fmt: skip


def _spend(where: str, table: dict[str, Any]) -> tuple[Any, ...]:
    """(token_budget, cost_budget, price_prompt, price_completion) of a track."""
    tokens = table.get("token_budget")
    if tokens is not None and (_typed(where, tokens, int, "token_budget is an integer") <= 0):
        raise SpecError(f"{where}: token_budget is a positive number of tokens")
    numbers = []
    for key in ("cost_budget", "price_prompt", "price_completion"):
        value = table.get(key)
        if value is not None:
            value = float(_typed(where, value, (int, float), f"{key} is a number"))
            if value < 0 or (key == "cost_budget" and value == 0):
                raise SpecError(f"{where}: {key} is positive")
        numbers.append(value)
    cost, prompt, completion = numbers
    if (prompt is None) != (completion is None):
        raise SpecError(f"{where}: give both price_prompt and price_completion (per million)")
    if cost is not None and prompt is None:
        raise SpecError(
            f"{where}: cost_budget needs price_prompt and price_completion (per million tokens)"
        )
    return tokens, cost, prompt, completion


def _budgets(path: Path, table: Any) -> Budgets:
    where = f"{path}: [budgets]"
    if not isinstance(table, dict):
        raise SpecError(f"{where}: a table")
    _unknown(where, table, BUDGET_KEYS)
    defaults = Budgets()

    def number(key: str) -> float:
        value = table.get(key, getattr(defaults, key))
        return float(_typed(where, value, (int, float), f"{key} is a number"))

    def integer(key: str) -> int:
        value = table.get(key, getattr(defaults, key))
        return int(_typed(where, value, int, f"{key} is an integer"))

    budgets = Budgets(
        evaluation_seconds=number("evaluation_seconds"),
        profile_seconds=number("profile_seconds"),
        max_tokens=integer("max_tokens"),
        repairs=integer("repairs"),
        samples=integer("samples"),
    )
    if budgets.evaluation_seconds <= 0 or budgets.profile_seconds <= 0:
        raise SpecError(f"{where}: budgets are positive seconds")
    if budgets.max_tokens <= 0 or budgets.repairs < 0 or budgets.samples < 1:
        raise SpecError(f"{where}: max_tokens > 0, repairs >= 0 and samples >= 1")
    return budgets


def _analysis(path: Path, table: Any) -> AnalysisSettings:
    if not isinstance(table, dict):
        raise SpecError(f"{path}: [analysis] is a table")
    _unknown(f"{path} [analysis]", table, ANALYSIS_KEYS)
    margin = table.get("equivalence_margin")
    if margin is not None and (
        not isinstance(margin, int | float) or isinstance(margin, bool) or margin <= 1.0
    ):
        raise SpecError(
            f"{path}: [analysis] equivalence_margin is a speedup ratio above 1 (e.g. 1.05)"
        )
    return AnalysisSettings(float(margin) if margin is not None else None)


def parse_spec(text: str, path: Path) -> ExperimentSpec:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SpecError(f"{path}: not TOML: {error}") from None
    _unknown(str(path), data, TOP_KEYS)
    for key in ("tasks", "tracks", "seeds", "iterations"):
        if key not in data:
            raise SpecError(f"{path}: {key} is required")
    tasks = data["tasks"]
    if not (isinstance(tasks, list) and tasks and all(isinstance(t, str) for t in tasks)):
        raise SpecError(f"{path}: tasks is a list of task names or directories")
    for task in tasks:
        try:
            load_task(task if not (path.parent / task).is_dir() else str(path.parent / task))
        except TaskError as error:
            raise SpecError(f"{path}: task {task!r}: {error}") from None
    seeds = data["seeds"]
    if not (isinstance(seeds, list) and seeds and all(type(s) is int for s in seeds)):
        raise SpecError(f"{path}: seeds is a list of integers")
    if len(set(seeds)) != len(seeds):
        raise SpecError(f"{path}: seeds repeat")
    iterations = data["iterations"]
    if type(iterations) is not int or iterations <= 0:
        raise SpecError(f"{path}: iterations is a positive integer")
    tracks_table = data["tracks"]
    if not isinstance(tracks_table, dict) or not tracks_table:
        raise SpecError(f"{path}: [tracks.NAME] tables are required")
    tracks = tuple(_track(path, name, table) for name, table in tracks_table.items())
    for track in tracks:
        if not track.name.isidentifier():
            raise SpecError(f"{path}: track name {track.name!r}: letters, digits and _ only")
    name = data.get("name", path.stem)
    output = Path(data.get("output", f"experiment-{path.stem}"))
    if not output.is_absolute():
        output = path.parent / output
    return ExperimentSpec(
        name=str(name),
        tasks=tuple(tasks),
        tracks=tracks,
        seeds=tuple(seeds),
        iterations=iterations,
        budgets=_budgets(path, data.get("budgets", {})),
        output=output,
        source=path,
        text=text,
        analysis=_analysis(path, data.get("analysis", {})),
    )


def load_spec(path: Path) -> ExperimentSpec:
    try:
        text = path.read_text()
    except OSError as error:
        raise SpecError(f"{path}: cannot read the spec: {error.strerror}") from None
    return parse_spec(text, path.resolve())


def missing_keys(spec: ExperimentSpec) -> list[str]:
    """Tracks whose key variable is not set: the run must not start."""
    return [
        f"{track.describe()}: the environment variable {track.api_key_env} (its API key) is not set"
        for track in spec.tracks
        if track.api_key_env and not os.environ.get(track.api_key_env)
    ]


EXAMPLE = """\
# An aiopt experiment: the 2x2 factorial of the research design.
#   A: weak model, profile off     B: strong model, profile off
#   C: weak model, profile on      D: strong model, profile on
# Run it with `aiopt experiment run THIS_FILE`; `aiopt experiment status DIR` reports it.
# Every (task, track, seed) is one OpenEvolve run; a stopped experiment resumes where it
# stopped when the same command is run again.

name = "factorial"
output = "experiment-factorial"   # the experiment directory, relative to this file
tasks = ["matmul"]                # built-in task names or task directories
seeds = [1, 2, 3, 4, 5]           # every track runs every seed
iterations = 50                   # OpenEvolve iterations per run

[budgets]
evaluation_seconds = 1.0          # interleaved timing per comparison
profile_seconds = 0.5             # what each external profiler aims for (profile-on tracks)
max_tokens = 2048                 # per LLM answer
repairs = 1                       # asks again once when an answer does not compile
samples = 4                       # constrained tracks: answers asked at most per iteration

# How `aiopt analyze DIR` judges it: "B ~ C" (strong model without profiles about as good
# as the weak model with them) holds when the speedup ratio between them, with its 90%
# interval, lies within 1/margin..margin.
[analysis]
equivalence_margin = 1.05

# A track: an LLM and the profile artifact on or off. llm = "embedded" is the embedded
# local model (qwen2.5-coder 1.5B, served here); otherwise an OpenAI-compatible endpoint:
# api_base, model, and api_key_env, the environment variable holding its key (checked
# before the experiment starts). temperature and max_tokens are optional.
# constrained = true holds every answer to one change with a GBNF grammar (llama.cpp
# servers only) and asks up to `samples` answers per iteration, filtered by compile and
# check; it is the embedded model's default, and off for an endpoint unless set here.
# A paid endpoint's spend: token_budget (prompt + completion tokens over the track's
# runs) and/or cost_budget at price_prompt and price_completion (per million tokens);
# once spent, the track asks nothing more and says so.
[tracks.A]
llm = "embedded"
profile = false

[tracks.B]
api_base = "http://127.0.0.1:8000/v1"   # e.g. a vLLM or llama.cpp server
model = "qwen2.5-coder-32b-instruct"
api_key_env = "STRONG_LLM_KEY"
temperature = 0.7
token_budget = 2000000
cost_budget = 5.0
price_prompt = 0.20                       # per million prompt tokens
price_completion = 0.60                   # per million completion tokens
profile = false

[tracks.C]
llm = "embedded"
profile = true

[tracks.D]
api_base = "http://127.0.0.1:8000/v1"
model = "qwen2.5-coder-32b-instruct"
api_key_env = "STRONG_LLM_KEY"
temperature = 0.7
token_budget = 2000000
cost_budget = 5.0
price_prompt = 0.20
price_completion = 0.60
profile = true
"""

DEMO = """\
# The demo experiment: the embedded model on every track (no endpoint, no key), so it
# runs anywhere; its "weak" and "strong" tracks are the same model. Two tracks (profile
# off and on), two seeds, three iterations, one task. The embedded model is asked with
# constrained decoding: each answer is exactly one EVOLVE block, up to `samples` answers
# per iteration, the first that compiles and passes the check is evaluated. Then
# `aiopt analyze experiment-demo` writes its report.

name = "demo"
output = "experiment-demo"
tasks = ["matmul"]
seeds = [1, 2]
iterations = 3

[budgets]
evaluation_seconds = 1.0
profile_seconds = 0.5
max_tokens = 512
samples = 2                       # 4 made the demo about 16 min here: CI's 45 min

[tracks.A]
llm = "embedded"
profile = false

[tracks.C]
llm = "embedded"
profile = true
"""
