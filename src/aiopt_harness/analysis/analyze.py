"""Every number of ``aiopt analyze``, computed from an experiment directory into one
``AnalysisResult`` (``analysis.json``; the HTML report renders it). Where a figure cannot
be computed (too few runs, no valid mutation, no threshold), its place holds
``{"unavailable": REASON}`` (``result.unavailable``)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from .aggregates import iqm, performance_profile, stratified_bootstrap
from .agreement import agreement
from .case_studies import Improvement, case_studies, improvements
from .category_comparison import compare_tracks, proportions
from .experiment_data import ExperimentData, RunData
from .hypotheses import interaction, n_note, planned_comparisons
from .labelled_set import LabelledDiff, load_labelled_set
from .map_elites import coverage, fixed_grid
from .remeasure import Remeasured, remeasure_runs
from .result import AnalysisResult, unavailable
from .rule_labeller import rule_labels
from .taxonomy import ALL_LABELS, mutation_diff
from .trajectory_summary import summarize_task
from .validity import validity

# Labels every diff at once: per diff (labels, which labeller gave them: "llm" or "rule",
# a note). At once, so that an LLM judge's server runs only while labelling, never while
# a program is measured.
LabelAll = Callable[[list[str]], list[tuple[frozenset[str], str, str]]]
PROFILE_TAUS = (1.0, 1.05, 1.1, 1.25, 1.5, 2.0, 3.0)
FEEDBACK_PAIRS = (("C", "A"), ("D", "B"))


def _log(value: float | None) -> float | None:
    return math.log(value) if value is not None and value > 0 else None


def _scores(
    runs: Sequence[RunData], remeasured: dict[str, Remeasured], which: str
) -> dict[str, list[float]]:
    """Per track, its runs' log speedups: re-measured, or as the run measured them."""
    scores: dict[str, list[float]] = {}
    for run in runs:
        if which == "remeasured":
            found = remeasured.get(run.key.name)
            value = _log(found.speedup if found is not None else None)
        else:
            value = _log(run.in_loop_best)
        if value is not None:
            scores.setdefault(run.key.track, []).append(value)
    return scores


def _run_row(run: RunData, remeasured: dict[str, Remeasured]) -> dict[str, Any]:
    again = remeasured.get(run.key.name)
    return {
        "run": run.key.name,
        "task": run.key.task,
        "track": run.key.track,
        "seed": run.key.seed,
        "profile": run.profile,
        "state": run.state.value,
        "iterations": len(run.records),
        "in_loop_best": run.in_loop_best,
        "remeasured": again.to_dict() if again is not None else None,
    }


def _comparisons(scores: dict[str, list[float]], margin: float | None) -> dict[str, Any]:
    planned = planned_comparisons(scores, margin)
    return {
        "planned": [asdict(c) for c in planned],
        "interaction": asdict(interaction(scores)),
        "n_note": n_note(scores),
    }


def _across_tasks(per_task: dict[str, dict[str, list[float]]], tracks: list[str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for track in tracks:
        groups = {
            task: [math.exp(v) for v in scores.get(track, [])]
            for task, scores in per_task.items()
            if scores.get(track)
        }
        pooled = [v for values in groups.values() for v in values]
        if len(pooled) < 2:
            found[track] = unavailable(f"track {track} has {len(pooled)} scored runs")
            continue
        interval = stratified_bootstrap(groups, iqm)
        found[track] = {
            "runs": len(pooled),
            "tasks": sorted(groups),
            "iqm_speedup": asdict(interval),
            "performance_profile": {
                "taus": list(PROFILE_TAUS),
                "share_above": performance_profile(pooled, list(PROFILE_TAUS)),
            },
        }
    return found


def _label_mutations(
    runs: Sequence[RunData], label_all: LabelAll, extra: Sequence[str] = ()
) -> tuple[
    dict[tuple[str, int], frozenset[str]],
    dict[tuple[str, int], str],
    dict[str, int],
    list[tuple[frozenset[str], str, str]],
]:
    """Labels every accepted mutation, and the ``extra`` diffs in the same call (the
    labelled set, for the judge's agreement): (labels, diffs, labellers used, extra's)."""
    diffs: dict[tuple[str, int], str] = {}
    for run in runs:
        for r in run.records:
            if (
                r.valid
                and isinstance(r.parent_code, str)
                and isinstance(r.child_code, str)
                and isinstance(r.iteration, int)
            ):
                diffs[(run.key.name, r.iteration)] = mutation_diff(r.parent_code, r.child_code)
    keys = list(diffs)
    asked = [diffs[k] for k in keys] + list(extra)
    answers = label_all(asked) if asked else []
    labels: dict[tuple[str, int], frozenset[str]] = {}
    used: dict[str, int] = {}
    for key, (found, who, _) in zip(keys, answers[: len(keys)], strict=True):
        labels[key] = found
        used[who] = used.get(who, 0) + 1
    return labels, diffs, used, answers[len(keys) :]


def _agreements(
    cases: Sequence[LabelledDiff], judged: list[tuple[frozenset[str], str, str]], judge: str
) -> dict[str, Any]:
    """The labellers' agreement with the labelled set: the rules always; the judge when
    it labelled the set (its fallbacks to the rules counted)."""
    reference = [case.labels for case in cases]
    found: dict[str, Any] = {
        "rule": agreement(reference, [rule_labels(case.diff) for case in cases]).to_dict()
    }
    if judge != "rule":
        if judged:
            figures = agreement(reference, [labels for labels, _, _ in judged]).to_dict()
            figures["fell_back_to_rules"] = sum(who != "llm" for _, who, _ in judged)
            found[judge] = figures
        else:
            found[judge] = unavailable(
                "the judge's agreement was not measured (aiopt analyze --judge-agreement)"
            )
    return found


def _categories(
    runs: Sequence[RunData], labels: dict[tuple[str, int], frozenset[str]]
) -> dict[str, Any]:
    per_run: dict[str, dict[str, float]] = {}
    counts: dict[str, int] = {}
    for run in runs:
        items = [v for (name, _), v in labels.items() if name == run.key.name]
        counts[run.key.name] = len(items)
        if items:
            per_run[run.key.name] = proportions(items, ALL_LABELS)
    tracks = sorted({run.key.track for run in runs})
    by_track: dict[str, Any] = {}
    for track in tracks:
        rows = [per_run[r.key.name] for r in runs if r.key.track == track and r.key.name in per_run]
        by_track[track] = (
            {label: sum(row[label] for row in rows) / len(rows) for label in ALL_LABELS}
            if rows
            else unavailable(f"track {track} has no accepted mutation")
        )
    tests: dict[str, Any] = {}
    for on, off in FEEDBACK_PAIRS:
        x = [per_run[r.key.name] for r in runs if r.key.track == on and r.key.name in per_run]
        y = [per_run[r.key.name] for r in runs if r.key.track == off and r.key.name in per_run]
        name = f"{on} vs {off}"
        if len(x) < 2 or len(y) < 2:
            tests[name] = unavailable(
                f"{len(x)} and {len(y)} runs with accepted mutations (at least 2 each)"
            )
            continue
        tests[name] = {"tests": [asdict(t) for t in compare_tracks(x, y, ALL_LABELS)]}
    return {
        "mutations_per_run": counts,
        "per_run": per_run,
        "by_track": by_track,
        "permutation_tests": tests,
    }


def analyze_experiment(
    data: ExperimentData,
    analysis_dir: Path,
    label_all: LabelAll,
    remeasure_budget: float | None,
    case_limit: int = 3,
    say: Callable[[str], None] = print,
    judge: str = "rule",
    judge_agreement: bool = False,
) -> AnalysisResult:
    """Every figure of the report. ``remeasure_budget`` None: no re-measurement.
    ``judge``: the labeller's name; with ``judge_agreement`` it also labels the labelled
    set (in the same ``label_all`` call), for its agreement figures."""
    runs = list(data.runs)
    if remeasure_budget is not None:
        remeasured = remeasure_runs(runs, analysis_dir / "remeasured.json", remeasure_budget, say)
    else:
        remeasured = {
            r.key.name: Remeasured.unavailable("re-measurement was turned off") for r in runs
        }
    tracks = [t.name for t in data.spec.tracks]
    cases = load_labelled_set()
    extra = [case.diff for case in cases] if judge_agreement and judge != "rule" else []
    labels, diffs, used, judged = _label_mutations(runs, label_all, extra)
    spec = {
        "name": data.spec.name,
        "tasks": list(data.spec.tasks),
        "seeds": list(data.spec.seeds),
        "iterations": data.spec.iterations,
        "tracks": {
            t.name: {"profile": t.profile, "llm": "embedded" if t.embedded else t.model}
            for t in data.spec.tracks
        },
        "equivalence_margin": data.spec.analysis.equivalence_margin,
    }
    per_task: dict[str, dict[str, Any]] = {}
    per_task_scores: dict[str, dict[str, list[float]]] = {}
    for task in data.spec.tasks:
        task_runs = [r for r in runs if r.key.task == task]
        threshold = data.thresholds.get(task)
        scores = _scores(task_runs, remeasured, "remeasured")
        per_task_scores[task] = scores
        grid = fixed_grid(task_runs)
        found: list[Improvement] = []
        for run in task_runs:
            found += improvements(run, threshold or 1.0, labels, diffs)
        per_task[task] = {
            "threshold_speedup": threshold,
            # why there is no threshold (None: there is one)
            "threshold_unavailable": data.threshold_unavailable.get(task),
            "scores": {
                "remeasured": _comparisons(scores, data.spec.analysis.equivalence_margin),
                "in_loop": _comparisons(
                    _scores(task_runs, remeasured, "in_loop"), data.spec.analysis.equivalence_margin
                ),
            },
            "trajectories": summarize_task(task_runs, threshold or 1.0, data.spec.iterations),
            "validity": {
                "by_track": {
                    t: validity([r for r in task_runs if r.key.track == t]).to_dict()
                    for t in tracks
                },
                "by_run": {r.key.name: validity([r]).to_dict() for r in task_runs},
            },
            "map_elites": (
                unavailable("no correct child to place on the grid")
                if grid is None
                else {
                    "grid": asdict(grid),
                    "by_run": {
                        r.key.name: {"track": r.key.track, **asdict(coverage(r, grid))}
                        for r in task_runs
                    },
                }
            ),
            "categories": _categories(task_runs, labels),
            "case_studies": case_studies(task, found, case_limit, remeasure_budget, say),
        }
    return AnalysisResult(
        experiment=str(data.root),
        spec=spec,
        runs=[_run_row(r, remeasured) for r in runs],
        labellers_used=used,
        labeller=judge,
        labeller_agreement=_agreements(cases, judged, judge),
        tasks=per_task,
        across_tasks=_across_tasks(per_task_scores, tracks),
    )
