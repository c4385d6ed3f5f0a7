"""Where an experiment stands, read from its directory (never written): per run its
state, iterations recorded, best speedup, failures and time; for the experiment, the
iterations left and an estimate of the time they take."""

from __future__ import annotations

from dataclasses import dataclass

from ..common.cpu_ledger import summary as ledger_summary
from ..evolve.iteration_log import read_iteration_records
from ..evolve.run_summary import read_summary
from ..evolve.spend import read_spent
from .layout import ExperimentDir, RunStatus
from .spec import ExperimentSpec, RunKey, Track


@dataclass(frozen=True)
class RunProgress:
    key: RunKey
    state: RunStatus
    attempts: int
    iterations: int  # recorded (one per iteration number)
    valid: int
    failures: int  # iterations without a correct child
    best_speedup: float | None  # the best correct child's in-loop speedup
    seconds: float  # time spent in the run so far (all attempts)


def run_progress(experiment: ExperimentDir, key: RunKey) -> RunProgress:
    state = experiment.state(key)
    records = read_iteration_records(state.directory / "openevolve")
    speedups = [float(r.speedup) for r in records if r.ok and r.speedup]
    best = max(speedups) if speedups else None
    summary = read_summary(state.directory) if state.state is RunStatus.DONE else None
    if summary is not None:
        best = summary.best_speedup or best
    return RunProgress(
        key=key,
        state=state.state,
        attempts=state.attempts,
        iterations=sum(1 for r in records if isinstance(r.iteration, int)),
        valid=sum(1 for r in records if r.valid),
        failures=sum(1 for r in records if not r.ok),
        best_speedup=best,
        seconds=state.seconds(),
    )


def experiment_progress(spec: ExperimentSpec) -> list[RunProgress]:
    experiment = ExperimentDir(spec.output)
    return [run_progress(experiment, key) for key in spec.runs()]


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def eta_seconds(spec: ExperimentSpec, progress: list[RunProgress]) -> float | None:
    """Iterations left times the mean seconds per iteration so far (None before any)."""
    done = sum(p.iterations for p in progress)
    spent = sum(p.seconds for p in progress)
    if done == 0 or spent <= 0:
        return None
    left = sum(
        max(spec.iterations - p.iterations, 0) for p in progress if p.state is not RunStatus.DONE
    )
    return left * spent / done


def format_status(spec: ExperimentSpec, progress: list[RunProgress]) -> str:
    lines = [f"experiment {spec.name} in {spec.output}: {len(progress)} runs"]
    lines.append(
        f"{'run':<28}{'state':<9}{'iterations':>11}{'valid':>7}{'failed':>8}"
        f"{'best speedup':>14}{'time':>9}"
    )
    for p in progress:
        best = f"{p.best_speedup:.3f}x" if p.best_speedup else "-"
        state = p.state.value + (f" ({p.attempts})" if p.attempts > 1 else "")
        lines.append(
            f"{p.key.name:<28}{state:<9}{f'{p.iterations}/{spec.iterations}':>11}{p.valid:>7}"
            f"{p.failures:>8}{best:>14}{_duration(p.seconds) if p.seconds else '-':>9}"
        )
    finished = sum(1 for p in progress if p.state.finished)
    eta = eta_seconds(spec, progress)
    if finished == len(progress):
        left = "none"
    elif eta is None:
        left = "unknown (no iteration yet)"
    else:
        left = f"about {_duration(eta)}"
    lines.append(f"{finished} of {len(progress)} runs done; time left {left}")
    lines += [spend_line(spec, track, progress) for track in spec.tracks]
    lines.append(ledger_summary(spec.output / "cpu_ledger.jsonl"))
    return "\n".join(lines)


@dataclass(frozen=True)
class TrackSpend:
    """What a track's requests used (its spend ledger) and what they gave."""

    track: str
    requests: int
    tokens: int
    cost: float | None  # None: no prices in the spec
    valid: int  # valid changes over the track's runs
    token_budget: int | None
    cost_budget: float | None

    @property
    def valid_per_1k_tokens(self) -> float | None:
        return 1000.0 * self.valid / self.tokens if self.tokens else None


def track_spend(spec: ExperimentSpec, track: Track, progress: list[RunProgress]) -> TrackSpend:
    spent = read_spent(spec.output / "spend" / f"{track.name}.jsonl")
    return TrackSpend(
        track=track.name,
        requests=spent.requests,
        tokens=spent.tokens,
        cost=spent.cost,
        valid=sum(p.valid for p in progress if p.key.track == track.name),
        token_budget=track.token_budget,
        cost_budget=track.cost_budget,
    )


def spend_line(spec: ExperimentSpec, track: Track, progress: list[RunProgress]) -> str:
    """``track A: 12,345 tokens in 40 requests (no budget), 3 valid changes, 0.24 per
    1,000 tokens``, with cost and what is left when the spec gives prices and budgets."""
    spend = track_spend(spec, track, progress)
    parts = [f"{spend.tokens:,} tokens in {spend.requests} requests"]
    if spend.token_budget is not None:
        parts[0] += (
            f" of {spend.token_budget:,} ({max(spend.token_budget - spend.tokens, 0):,} left)"
        )
    if spend.cost is not None:
        cost = f"cost {spend.cost:.4f}"
        if spend.cost_budget is not None:
            cost += (
                f" of {spend.cost_budget:.4f} ({max(spend.cost_budget - spend.cost, 0.0):.4f} left)"
            )
        parts.append(cost)
    elif spend.cost_budget is not None:
        parts.append(f"cost 0 of {spend.cost_budget:.4f}")
    if not track.has_budget:
        parts.append("no budget")
    rate = spend.valid_per_1k_tokens
    per = f"{rate:.3f} per 1,000 tokens" if rate is not None else "per 1,000 tokens: none used yet"
    return f"track {track.name}: " + ", ".join(parts) + f"; {spend.valid} valid changes, {per}"
