"""``report.html``: every figure of ``analysis.json`` as one self-contained page.

The page carries candidate code (diffs, profile artifacts) written by an LLM under
selection pressure, so every text is HTML-escaped, the page holds no script, and its
Content-Security-Policy forbids scripts, network fetches and frames even if a future
change forgot to escape something. Plots are inline SVG from ``plots``. A figure that
could not be computed shows "unavailable: REASON" (``result.unavailable_reason``), never
a blank or a zero.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from typing import Any

from . import plots
from .result import AnalysisResult, reason_in_text, shown, unavailable_reason

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
    "form-action 'none'"
)
STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 70em; color: #222; }
h1 { font-size: 1.6em; } h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.6em 0; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.note { color: #8a5a00; font-style: italic; }
pre { background: #f7f7f7; padding: 0.6em; overflow-x: auto; font-size: 12px; }
figure { margin: 1em 0; } figure svg { max-width: 100%; height: auto; }
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _fmt(value: object, digits: int = 4) -> str:
    """A number as text; None as "none" (never 0)."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return f"{value:.{digits}g}"
    return str(value)


def _table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = []
    for row in rows:
        cells = []
        for cell in row:
            numeric = isinstance(cell, int | float) and not isinstance(cell, bool)
            cls = ' class="num"' if numeric else ""
            cells.append(f"<td{cls}>{_e(_fmt(cell))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def _note(text: object) -> str:
    return f'<p class="note">{_e(text)}</p>' if text else ""


def _unavailable(entry: object) -> str | None:
    """``unavailable: REASON`` when ``entry`` could not be computed, else None."""
    reason = unavailable_reason(entry)
    return shown(reason) if reason is not None else None


def _figure(svg: str | None, missing: str) -> str:
    # The SVG comes from matplotlib, which escapes the texts it draws.
    return f"<figure>{svg}</figure>" if svg else _note(shown(missing))


def _interval(pair: Sequence[float] | None) -> str:
    return f"[{_fmt(pair[0])}, {_fmt(pair[1])}]" if pair else "none"


def _hypotheses(scores: dict[str, Any]) -> str:
    rows = []
    for test in scores.get("planned", []):
        f = test.get("figures") or {}
        if "margin_ratio" in f:
            detail = (
                f"HL ratio {_fmt(f.get('hl_ratio'))}, 90% interval "
                f"{_interval(f.get('hl_ratio_interval_90'))} "
                f"vs margin {_fmt(f.get('margin_ratio'))}"
            )
            rows.append(
                [
                    test["hypothesis"],
                    test["meaning"],
                    f.get("n"),
                    "",
                    "",
                    detail,
                    _fmt(f.get("equivalent")),
                    f.get("note", ""),
                ]
            )
        elif f:
            detail = (
                f"A12 {_fmt(f.get('a12'), 3)}, HL ratio {_fmt(f.get('hl_ratio'))} "
                f"{_interval(f.get('hl_ratio_interval'))}"
            )
            rows.append(
                [
                    test["hypothesis"],
                    test["meaning"],
                    f.get("n"),
                    f.get("p"),
                    f.get("p_holm"),
                    detail,
                    f.get("method", ""),
                    f.get("hl_note", ""),
                ]
            )
        else:
            rows.append(
                [test["hypothesis"], test["meaning"], "", "", "", "", "", _unavailable(test) or ""]
            )
    header = [
        "hypothesis",
        "meaning",
        "runs",
        "p (one-sided)",
        "p (Holm)",
        "effect",
        "method",
        "note",
    ]
    out = _table(header, rows)
    inter = scores.get("interaction") or {}
    f = inter.get("figures")
    if f:
        out += _table(
            [
                "interaction",
                "feedback effect, weak (log)",
                "feedback effect, strong (log)",
                "difference in differences (log)",
                "p (two-sided)",
                "permutations",
            ],
            [
                [
                    inter.get("meaning", ""),
                    f.get("feedback_effect_weak_log"),
                    f.get("feedback_effect_strong_log"),
                    f.get("did_log"),
                    f.get("p"),
                    f.get("permutations"),
                ]
            ],
        )
    elif inter:
        out += _note(f"interaction: {_unavailable(inter) or ''}")
    return out + _note(scores.get("n_note", ""))


def _trajectory_table(summary: dict[str, Any]) -> str:
    runs = summary.get("runs", {})
    if not runs:
        return _note("unavailable: no trajectory")
    goals = sorted({g for r in runs.values() for g in r.get("iterations_to_reach", {})})
    rows = []
    for name, row in sorted(runs.items()):
        auc = row.get("normalized_auc", {})
        reach = row.get("iterations_to_reach", {})
        rows.append(
            [
                name,
                row["track"],
                auc.get("iteration"),
                auc.get("tokens"),
                auc.get("seconds"),
                *(reach.get(g) for g in goals),
            ]
        )
    header = [
        "run",
        "track",
        "AUC (iterations)",
        "AUC (tokens)",
        "AUC (seconds)",
        *(f"iterations to {g}" for g in goals),
    ]
    return _table(header, rows)


def _validity(validity: dict[str, Any]) -> str:
    rows = []
    for track, v in sorted(validity.get("by_track", {}).items()):
        outcomes = ", ".join(f"{k} {n}" for k, n in sorted(v.get("outcomes", {}).items()))
        rows.append(
            [
                track,
                v.get("iterations"),
                v.get("valid"),
                v.get("valid_rate"),
                v.get("unchanged_copies"),
                outcomes,
            ]
        )
    return _table(
        ["track", "iterations", "valid mutations", "valid rate", "unchanged copies", "outcomes"],
        rows,
    )


def _map_elites(found: dict[str, Any]) -> tuple[str, dict[str, float]]:
    missing = _unavailable(found)
    if missing is not None:
        return _note(missing), {}
    grid = found["grid"]
    by_track: dict[str, list[float]] = {}
    rows = []
    for name, row in sorted(found["by_run"].items()):
        by_track.setdefault(row["track"], []).append(float(row["coverage"]))
        rows.append([name, row["track"], row["cells"], row["coverage"], row["qd_score"]])
    text = _note(
        f"grid: {grid['bins']} x {grid['bins']} cells over code lines "
        f"{_interval(grid['lines'])} and log speedup {_interval(grid['log_speedup'])}, fixed "
        "across all runs of the task"
    ) + _table(["run", "track", "cells", "coverage", "QD score"], rows)
    means = {t: sum(v) / len(v) for t, v in by_track.items()}
    return text, means


def _categories(found: dict[str, Any]) -> str:
    out = ""
    for pair, result in sorted(found.get("permutation_tests", {}).items()):
        missing = _unavailable(result)
        if missing is not None:
            out += _note(f"{pair}: {missing}")
            continue
        shown = [t for t in result["tests"] if t["mean_x"] or t["mean_y"]]
        out += f"<h4>{_e(pair)} (exact permutation test per category, per-run shares)</h4>"
        out += (
            _table(
                [
                    "category",
                    "mean share (first)",
                    "mean share (second)",
                    "difference",
                    "p",
                    "runs (first + second)",
                ],
                [
                    [
                        t["label"],
                        t["mean_x"],
                        t["mean_y"],
                        t["difference"],
                        t["p"],
                        " + ".join(str(n) for n in t["runs"]),
                    ]
                    for t in shown
                ],
            )
            if shown
            else _note("no category was used by either track")
        )
    return out


def _case_studies(studies: list[dict[str, Any]]) -> str:
    if not studies:
        return _note(
            "unavailable: no improvement beyond the threshold was found only by a track "
            "with profiler feedback"
        )
    out = []
    for study in studies:
        again = study.get("remeasured_gain") or {}
        measured = _unavailable(again) or ", ".join(
            f"{k} {_fmt(v)}" for k, v in sorted(again.items())
        )
        out.append(
            f"<h4>{_e(study['run'])}, iteration {_e(study['iteration'])}</h4>"
            + _table(
                ["track", "in-loop gain over parent", "re-measured", "categories"],
                [
                    [
                        study["track"],
                        study["in_loop_gain"],
                        measured,
                        ", ".join(study.get("labels", [])) or "none",
                    ]
                ],
            )
            + "<p>Profile the LLM saw:</p>"
            + f"<pre>{_e(study.get('profile_artifact') or 'none')}</pre>"
            + f"<p>Diff:</p><pre>{_e(study.get('diff', ''))}</pre>"
        )
    return "".join(out)


def _agreement(found: dict[str, Any]) -> str:
    rows = []
    for labeller, figures in sorted(found.items()):
        missing = _unavailable(figures)
        if missing is not None:
            rows.append([labeller, "", "", "", "", "", missing])
            continue
        rows.append(
            [
                labeller,
                figures.get("cases"),
                figures.get("micro_f1"),
                figures.get("macro_f1"),
                figures.get("mean_kappa"),
                figures.get("exact_match"),
                f"fell back to rules on {figures['fell_back_to_rules']}"
                if "fell_back_to_rules" in figures
                else "",
            ]
        )
    return _table(
        ["labeller", "labelled cases", "micro F1", "macro F1", "mean kappa", "exact match", ""],
        rows,
    )


def _runs(rows: list[dict[str, Any]]) -> str:
    out = []
    for r in rows:
        again = r.get("remeasured") or {}
        measured = (
            f"{_fmt(again.get('speedup'))} "
            f"[{_fmt(again.get('ci_low'))}, {_fmt(again.get('ci_high'))}]"
            if again.get("speedup")
            else again.get("message") or again.get("status", "none")
        )
        out.append(
            [
                r["run"],
                r["track"],
                r["seed"],
                r["state"],
                r["iterations"],
                r.get("in_loop_best"),
                measured,
            ]
        )
    return _table(
        ["run", "track", "seed", "state", "iterations", "in-loop best", "re-measured speedup"],
        out,
    )


def _task(name: str, task: dict[str, Any], runs: list[dict[str, Any]]) -> str:
    threshold = task.get("threshold_speedup")
    parts = [f'<h2 id="task-{_e(name)}">Task {_e(name)}</h2>']
    # why there is no threshold; an analysis.json of an earlier version has a note
    reason = task.get("threshold_unavailable") or reason_in_text(task.get("threshold_note"))
    parts.append(
        _note(f"noise threshold: speedup {_fmt(threshold)}")
        if threshold
        else _note(shown(reason or "no noise threshold"))
    )
    task_runs = [r for r in runs if r["task"] == name]
    parts.append(_figure(plots.final_scores(task_runs, threshold), "no scored run"))
    parts.append("<h3>Final best scores (re-measured)</h3>")
    parts.append(_hypotheses(task["scores"]["remeasured"]))
    parts.append("<h3>Final best scores (as the runs measured them)</h3>")
    parts.append(_hypotheses(task["scores"]["in_loop"]))
    parts.append("<h3>Trajectories</h3>")
    summary = task.get("trajectories", {})
    parts.append(_figure(plots.trajectories(summary), "no trajectory"))
    parts.append(_trajectory_table(summary))
    parts.append("<h3>Valid mutations</h3>")
    validity = task.get("validity", {})
    rates = {
        t: float(v["valid_rate"])
        for t, v in validity.get("by_track", {}).items()
        if v.get("valid_rate") is not None
    }
    parts.append(_figure(plots.per_track_bars(rates, "valid rate", "Valid mutations"), "none"))
    parts.append(_validity(validity))
    parts.append("<h3>Diversity: MAP-Elites coverage</h3>")
    text, means = _map_elites(task.get("map_elites", {}))
    if means:
        parts.append(_figure(plots.per_track_bars(means, "mean coverage", "Coverage"), "none"))
    parts.append(text)
    parts.append("<h3>Mutation categories</h3>")
    categories = task.get("categories", {})
    parts.append(_figure(plots.categories(categories.get("by_track", {})), "no labelled mutation"))
    parts.append(_categories(categories))
    parts.append("<h3>Case studies: found only with profiler feedback</h3>")
    parts.append(_case_studies(task.get("case_studies", [])))
    return "\n".join(parts)


def render_report(result: AnalysisResult) -> str:
    """The page for one ``analyze_experiment`` result (or one read back)."""
    spec = result.spec
    tracks = spec.get("tracks", {})
    runs = result.runs
    body = [
        f"<h1>aiopt analyze: {_e(spec.get('name', 'experiment'))}</h1>",
        _table(
            ["experiment", "tasks", "seeds", "iterations", "equivalence margin", "labeller"],
            [
                [
                    result.experiment,
                    ", ".join(spec.get("tasks", [])),
                    len(spec.get("seeds", [])),
                    spec.get("iterations"),
                    spec.get("equivalence_margin"),
                    result.labeller,
                ]
            ],
        ),
        _table(
            ["track", "profiler feedback", "LLM"],
            [[name, bool(t.get("profile")), t.get("llm")] for name, t in sorted(tracks.items())],
        ),
        "<h2>Across tasks</h2>",
    ]
    across = result.across_tasks
    body.append(_figure(plots.performance_profiles(across), "fewer than 2 scored runs per track"))
    rows = []
    for track, row in sorted(across.items()):
        missing = _unavailable(row)
        if missing is not None:
            rows.append([track, "", "", "", missing])
        else:
            interval = row["iqm_speedup"]
            rows.append(
                [
                    track,
                    row["runs"],
                    ", ".join(row["tasks"]),
                    f"{_fmt(interval.get('estimate'))} "
                    f"[{_fmt(interval.get('low'))}, {_fmt(interval.get('high'))}]",
                    "",
                ]
            )
    body.append(
        _table(["track", "runs", "tasks", "IQM speedup (stratified bootstrap 95%)", ""], rows)
    )
    for name, task in result.tasks.items():
        body.append(_task(name, task, runs))
    body.append("<h2>Mutation labellers against the labelled set</h2>")
    body.append(_agreement(result.labeller_agreement))
    used = result.labellers_used
    body.append(
        _note("labels given by: " + ", ".join(f"{k} {v}" for k, v in sorted(used.items())))
        if used
        else _note("no mutation was labelled")
    )
    body.append("<h2>Runs</h2>")
    body.append(_runs(runs))
    page = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        f"<title>{_e(spec.get('name', 'aiopt analyze'))}</title><style>{STYLE}</style></head>"
        "<body>\n" + "\n".join(body) + "\n</body></html>\n"
    )
    return page
