"""The research design's planned comparisons of final scores, on one task.

Tracks (the spec's names): A = weak model, profile off; B = strong, off; C = weak, on;
D = strong, on. Planned: C > A, D > B, D > C (one-sided exact Mann-Whitney U, Holm's
adjustment over the three), B ~ C (equivalence: the Hodges-Lehmann shift and its 90%
interval within the spec's margin), and the 2x2 interaction (difference in differences
of log speedup, permutation test). Scores are log speedups of each run's best program.

What n = 5 runs per track can show: the smallest one-sided p is 1/252 = 0.0040 (two-sided
2/252 = 0.0079), so p < 0.05 needs U <= 4 of 25 one-sided (A12 >= 0.84), and after Holm
over three comparisons the first needs complete or near-complete separation. A p above
0.05 at this n is not evidence of no effect; equivalence needs its own margin.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .interaction import interaction_test
from .rank_tests import equivalence, hodges_lehmann, holm, mann_whitney, vargha_delaney_a12

PLANNED: tuple[tuple[str, str, str], ...] = (
    ("C", "A", "profiler feedback helps the weak model"),
    ("D", "B", "profiler feedback helps the strong model"),
    ("D", "C", "model quality matters with profiler feedback"),
)
EQUIVALENT = ("B", "C", "the strong model without profiles ~ the weak model with them")
N_NOTE = (
    "n = {n} runs per track: the smallest one-sided Mann-Whitney p is {p1:.4f} (two-sided "
    "{p2:.4f}); a p above 0.05 at this n is not evidence of no effect."
)


@dataclass(frozen=True)
class Comparison:
    hypothesis: str
    meaning: str
    figures: dict[str, Any] | None  # None: unavailable
    unavailable: str | None  # why there are no figures (None: there are)


def _smallest_p(n: int, m: int) -> float:
    return 1.0 / math.comb(n + m, n)


def _directional(x: Sequence[float], y: Sequence[float]) -> dict[str, Any]:
    test = mann_whitney(x, y, "greater")
    shift = hodges_lehmann(x, y)
    return {
        "n": [len(x), len(y)],
        "u": test.u,
        "p": test.p,
        "method": test.method,
        "a12": vargha_delaney_a12(x, y),
        "hl_log_shift": shift.shift,
        "hl_ratio": math.exp(shift.shift),
        "hl_ratio_interval": [math.exp(shift.low), math.exp(shift.high)],
        "hl_interval_confidence": shift.achieved_confidence,
        "hl_note": shift.note,
        "smallest_possible_p": _smallest_p(len(x), len(y)),
    }


def planned_comparisons(
    scores: Mapping[str, Sequence[float]], margin: float | None
) -> list[Comparison]:
    """The planned comparisons over ``scores`` (per track name, its runs' log speedups)."""
    found: list[Comparison] = []
    for better, worse, meaning in PLANNED:
        x, y = list(scores.get(better, [])), list(scores.get(worse, []))
        name = f"{better} > {worse}"
        if len(x) < 2 or len(y) < 2:
            missing = [t for t, v in ((better, x), (worse, y)) if len(v) < 2]
            found.append(
                Comparison(
                    name,
                    meaning,
                    None,
                    f"track {', '.join(missing)} has fewer than 2 scored runs",
                )
            )
            continue
        found.append(Comparison(name, meaning, _directional(x, y), None))
    tested = {c.hypothesis: c.figures["p"] for c in found if c.figures is not None}
    adjusted = holm(tested) if tested else {}
    for comparison in found:
        if comparison.figures is not None:
            comparison.figures["p_holm"] = adjusted[comparison.hypothesis]
    b, c, meaning = EQUIVALENT
    x, y = list(scores.get(b, [])), list(scores.get(c, []))
    name = f"{b} ~ {c}"
    if margin is None:
        found.append(
            Comparison(name, meaning, None, "the spec gives no [analysis] equivalence_margin")
        )
    elif len(x) < 2 or len(y) < 2:
        found.append(
            Comparison(name, meaning, None, f"track {b} or {c} has fewer than 2 scored runs")
        )
    else:
        test = equivalence(x, y, math.log(margin))
        found.append(
            Comparison(
                name,
                meaning,
                {
                    "n": [len(x), len(y)],
                    "margin_ratio": margin,
                    "hl_ratio": math.exp(test.shift),
                    "hl_ratio_interval_90": [math.exp(test.low), math.exp(test.high)],
                    "interval_confidence": test.achieved_confidence,
                    "equivalent": test.equivalent,
                    "note": test.note,
                },
                None,
            )
        )
    return found


def interaction(scores: Mapping[str, Sequence[float]]) -> Comparison:
    """The 2x2 interaction: (D - B) - (C - A) of mean log speedup, permutation p."""
    meaning = "feedback helps the strong model more than the weak one (difference in differences)"
    cells = {t: list(scores.get(t, [])) for t in "ABCD"}
    empty = [t for t, v in cells.items() if len(v) < 1]
    if empty or sum(len(v) for v in cells.values()) < 5:
        return Comparison(
            "interaction",
            meaning,
            None,
            f"track {', '.join(empty) or '-'} has no scored run",
        )
    # interaction_test's cells: (weak off, weak on, strong off, strong on)
    result = interaction_test(cells["A"], cells["C"], cells["B"], cells["D"])
    return Comparison(
        "interaction",
        meaning,
        {
            "did_log": result.did,
            "feedback_effect_weak_log": result.feedback_weak,
            "feedback_effect_strong_log": result.feedback_strong,
            "p": result.p,
            "permutations": result.permutations,
        },
        None,
    )


def n_note(scores: Mapping[str, Sequence[float]]) -> str:
    sizes = [len(v) for v in scores.values() if v]
    if not sizes:
        return "no track has a scored run"
    n = min(sizes)
    return N_NOTE.format(n=n, p1=_smallest_p(n, n), p2=2 * _smallest_p(n, n))
