"""``analyze_experiment`` on synthetic experiment directories with known answers: every
figure equals scipy's or a hand computation, and what cannot be computed says so."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy import stats  # type: ignore[import-untyped]

from aiopt_harness.analysis.analyze import analyze_experiment
from aiopt_harness.analysis.experiment_data import load_experiment
from aiopt_harness.analysis.rule_labeller import rule_labels

from .synthetic_experiment import SyntheticRun, write_experiment

BASES = {"A": 1.10, "B": 1.30, "C": 1.40, "D": 1.60}
SEEDS = range(1, 6)


def _best(track: str, seed: int) -> float:
    return BASES[track] * (1 + 0.03 * seed)


def _runs(tracks: str = "ABCD") -> list[SyntheticRun]:
    runs = []
    for track in tracks:
        for seed in SEEDS:
            iterations = [
                ("ok", BASES[track] * (1 + 0.02 * seed), True),
                ("compile_error", None, False),
                ("ok", 1.0, False),  # a correct copy of its parent
                ("ok", _best(track, seed), True),
            ]
            # each run's own text: no two runs share a program (re-measurements are cached
            # by the program's hash)
            mutation = (
                f"  #pragma omp parallel for  // {track}{seed}\n"
                if track in "CD"
                else f"  // note {track}{seed}\n"
            )
            runs.append(SyntheticRun(track, seed, _best(track, seed), iterations, mutation))
    return runs


def _rules(diffs: list[str]) -> list[tuple[frozenset[str], str, str]]:
    return [(rule_labels(d), "rule", "") for d in diffs]


def _analyze(root: Path) -> dict[str, Any]:
    result = analyze_experiment(load_experiment(root), root / "analysis", _rules, None, say=print)
    return result.to_dict()


@pytest.fixture(scope="module")
def full(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _analyze(write_experiment(tmp_path_factory.mktemp("full"), _runs()))


def _planned(result: dict[str, Any], which: str = "in_loop") -> dict[str, dict[str, Any]]:
    scores = result["tasks"]["matmul"]["scores"][which]
    return {c["hypothesis"]: c for c in scores["planned"]}


def test_planned_comparisons_equal_scipy(full: dict[str, Any]) -> None:
    planned = _planned(full)
    for better, worse in (("C", "A"), ("D", "B"), ("D", "C")):
        x = [math.log(_best(better, s)) for s in SEEDS]
        y = [math.log(_best(worse, s)) for s in SEEDS]
        expected = stats.mannwhitneyu(x, y, alternative="greater", method="exact")
        figures = planned[f"{better} > {worse}"]["figures"]
        assert figures["u"] == expected.statistic
        assert figures["p"] == pytest.approx(expected.pvalue, rel=1e-12)
        assert figures["a12"] == pytest.approx(expected.statistic / 25)
        # Hodges-Lehmann: the median of all 25 pairwise differences of log speedup
        differences = [a - b for a in x for b in y]
        assert figures["hl_ratio"] == pytest.approx(math.exp(float(np.median(differences))))
    # complete separation in all three: p = 1/252 each; Holm: 3/252, 2/252 -> 3/252, 1/252*1
    holm = sorted(planned[h]["figures"]["p_holm"] for h in ("C > A", "D > B", "D > C"))
    assert holm == pytest.approx([3 / 252] * 3)


def test_equivalence_uses_the_spec_margin(full: dict[str, Any]) -> None:
    figures = _planned(full)["B ~ C"]["figures"]
    assert figures["margin_ratio"] == 1.05
    # B's runs are 1.3/1.4 of C's: about 0.93, outside 1/1.05..1.05
    assert figures["hl_ratio"] == pytest.approx(1.30 / 1.40)
    assert figures["equivalent"] is False


def test_interaction_is_the_difference_in_differences(full: dict[str, Any]) -> None:
    figures = full["tasks"]["matmul"]["scores"]["in_loop"]["interaction"]["figures"]
    mean = {t: float(np.mean([math.log(_best(t, s)) for s in SEEDS])) for t in "ABCD"}
    assert figures["did_log"] == pytest.approx((mean["D"] - mean["B"]) - (mean["C"] - mean["A"]))
    assert figures["feedback_effect_weak_log"] == pytest.approx(mean["C"] - mean["A"])


def test_remeasured_scores_are_unavailable_without_remeasurement(full: dict[str, Any]) -> None:
    planned = _planned(full, "remeasured")
    assert all(c["figures"] is None for c in planned.values())
    assert all(c["unavailable"] for c in planned.values())
    assert all(r["remeasured"]["status"] == "unavailable" for r in full["runs"])


def test_validity_counts_by_outcome(full: dict[str, Any]) -> None:
    track = full["tasks"]["matmul"]["validity"]["by_track"]["A"]
    assert track["iterations"] == 20
    assert track["valid"] == 10
    assert track["unchanged_copies"] == 5
    assert track["outcomes"] == {"compile_error": 5, "ok": 15}
    assert track["valid_rate"] == 0.5


def test_trajectory_area_and_hitting_times_by_hand(full: dict[str, Any]) -> None:
    trajectories = full["tasks"]["matmul"]["trajectories"]
    run = trajectories["runs"]["matmul-A-s1"]
    first, best = 1.10 * 1.02, _best("A", 1)
    assert run["curve"]["best"] == pytest.approx([first, first, first, best])
    # x_max = 4 iterations; log(first) holds over [1, 4), log(best) over [4, 4]
    assert run["normalized_auc"]["iteration"] == pytest.approx(3 * math.log(first) / 4)
    assert run["iterations_to_reach"]["1.1x"] == 1.0
    assert run["iterations_to_reach"]["1.5x"] is None
    # tokens: 150 per iteration; every run has 600 in all
    assert run["curve"]["tokens"] == [150, 300, 450, 600]
    d_runs = [trajectories["runs"][f"matmul-D-s{s}"] for s in SEEDS]
    reach = [r["iterations_to_reach"]["1.5x"] for r in d_runs]
    ecdf = trajectories["ecdf"]["D"]["1.5x"]
    grid = trajectories["ecdf_grid"]
    assert ecdf == [sum(1 for t in reach if t is not None and t <= g) / 5 for g in grid]


def test_threshold_hides_gains_within_noise(tmp_path: Path) -> None:
    runs = [SyntheticRun("A", s, 1.01, [("ok", 1.01, True)]) for s in (1, 2)]
    result = _analyze(write_experiment(tmp_path, runs, threshold=1.02, iterations=1))
    curve = result["tasks"]["matmul"]["trajectories"]["runs"]["matmul-A-s1"]["curve"]
    assert curve["best"] == [1.0]  # 1.01 is within the 1.02 threshold: no improvement


def test_map_elites_coverage_on_one_grid(full: dict[str, Any]) -> None:
    elites = full["tasks"]["matmul"]["map_elites"]
    grid = elites["grid"]
    assert grid["bins"] == 8
    # every correct child of every run shapes the one grid
    assert grid["log_speedup"][0] == pytest.approx(0.0)  # the unchanged copies: speedup 1
    assert grid["log_speedup"][1] == pytest.approx(math.log(_best("D", 5)))
    run = elites["by_run"]["matmul-A-s1"]
    assert run["cells"] >= 2
    assert run["coverage"] == pytest.approx(run["cells"] / 64)


def test_categories_per_run_and_permutation_tests(full: dict[str, Any]) -> None:
    categories = full["tasks"]["matmul"]["categories"]
    assert categories["mutations_per_run"]["matmul-C-s1"] == 2
    on = categories["per_run"]["matmul-C-s1"]
    assert on["parallelism_simd"] == 1.0  # every mutation of C adds an omp pragma
    tests = {t["label"]: t for t in categories["permutation_tests"]["C vs A"]["tests"]}
    simd = tests["parallelism_simd"]
    assert simd["difference"] == pytest.approx(1.0)
    # all 5 C runs at 1, all 5 A runs at 0: only the observed split (and none other) is as
    # extreme, so the exact two-sided p is 2/252 (the split and its mirror)
    assert simd["p"] == pytest.approx(2 / 252)
    x = [categories["per_run"][f"matmul-C-s{s}"]["refactor_noop"] for s in SEEDS]
    y = [categories["per_run"][f"matmul-A-s{s}"]["refactor_noop"] for s in SEEDS]
    expected = stats.permutation_test(
        (x, y), lambda a, b: np.mean(a) - np.mean(b), permutation_type="independent",
        alternative="two-sided", n_resamples=np.inf,
    )  # fmt: skip
    assert tests["refactor_noop"]["p"] == pytest.approx(expected.pvalue)


def test_only_two_tracks_says_what_is_unavailable(tmp_path: Path) -> None:
    result = _analyze(write_experiment(tmp_path, _runs("AC"), margin=None))
    planned = _planned(result)
    assert planned["C > A"]["figures"] is not None
    assert planned["D > B"]["unavailable"] and planned["C > A"]["unavailable"] is None
    assert "equivalence_margin" in planned["B ~ C"]["unavailable"]
    interaction = result["tasks"]["matmul"]["scores"]["in_loop"]["interaction"]
    assert interaction["figures"] is None and interaction["unavailable"]
    assert "unavailable" in result["tasks"]["matmul"]["categories"]["permutation_tests"]["D vs B"]


def test_no_valid_mutation_leaves_categories_unavailable(tmp_path: Path) -> None:
    runs = [SyntheticRun(t, s, 1.0, [("compile_error", None, False)]) for t in "AC" for s in (1, 2)]
    result = _analyze(write_experiment(tmp_path, runs, iterations=1, threshold=None))
    task = result["tasks"]["matmul"]
    assert task["categories"]["by_track"]["A"] == {
        "unavailable": "track A has no accepted mutation"
    }
    assert task["map_elites"]["unavailable"]
    assert task["threshold_speedup"] is None
    assert task["threshold_unavailable"]
    assert task["case_studies"] == []


def test_case_study_is_a_profile_on_improvement_of_a_new_kind(full: dict[str, Any]) -> None:
    studies = full["tasks"]["matmul"]["case_studies"]
    assert studies, "C and D add omp pragmas, which no A or B mutation does"
    first = studies[0]
    assert first["track"] in ("C", "D")
    assert "parallelism_simd" in first["labels"]
    assert first["profile_artifact"] == "cache-misses 12% in multiply"
    assert "#pragma omp parallel for" in first["diff"]
    assert first["remeasured_gain"] == {"unavailable": "re-measurement was turned off"}
    gains = [s["in_loop_gain"] for s in studies]
    assert gains == sorted(gains, reverse=True)


def test_across_tasks_iqm_interval(full: dict[str, Any]) -> None:
    # the across-task figures use re-measured scores: unavailable here
    assert all("unavailable" in v for v in full["across_tasks"].values())


def test_remeasured_scores_from_the_cache_drive_the_tests(tmp_path: Path) -> None:
    """Re-measurements are cached by program hash: a pre-filled cache is used as is (no
    measurement runs), and the planned comparisons and across-task figures use it."""
    import hashlib
    import json

    root = write_experiment(tmp_path, _runs())
    data = load_experiment(root)
    cache: dict[str, Any] = {}
    remeasured = {}
    for run in data.runs:
        assert run.best_program is not None
        digest = hashlib.sha256(run.best_program.read_bytes()).hexdigest()
        value = _best(run.key.track, run.key.seed) * 0.9  # the winner's curse, say
        remeasured[run.key.name] = value
        cache[f"matmul:{digest}:2"] = {"status": "ok", "speedup": value, "ci_low": value * 0.99,
                                       "ci_high": value * 1.01, "message": "cached"}  # fmt: skip
    (root / "analysis").mkdir()
    (root / "analysis" / "remeasured.json").write_text(json.dumps(cache))
    result = analyze_experiment(
        data, root / "analysis", _rules, 2.0, case_limit=0, say=print
    ).to_dict()
    figures = _planned(result, "remeasured")["C > A"]["figures"]
    assert figures["p"] == pytest.approx(1 / 252)
    assert figures["hl_ratio"] == pytest.approx(1.40 / 1.10)
    across = result["across_tasks"]["A"]
    pooled = [remeasured[f"matmul-A-s{s}"] for s in SEEDS]
    assert across["iqm_speedup"]["estimate"] == pytest.approx(stats.trim_mean(pooled, 0.25))
    shares = across["performance_profile"]["share_above"]
    taus = across["performance_profile"]["taus"]
    assert shares == [sum(v > tau for v in pooled) / 5 for tau in taus]
    assert result["runs"][0]["remeasured"]["message"] == "cached"


def test_labeller_agreement_rules_always_and_the_judge_when_asked(tmp_path: Path) -> None:
    from aiopt_harness.analysis.agreement import agreement
    from aiopt_harness.analysis.labelled_set import load_labelled_set

    cases = load_labelled_set()
    by_diff = {case.diff: case.labels for case in cases}
    root = write_experiment(tmp_path, _runs("AC"))

    def judge_all(diffs: list[str]) -> list[tuple[frozenset[str], str, str]]:
        # a judge that knows the labelled set's answers, and the rules elsewhere
        return [(by_diff[d], "llm", "") if d in by_diff else (rule_labels(d), "rule", "")
                for d in diffs]  # fmt: skip

    analyzed = analyze_experiment(load_experiment(root), tmp_path / "a", judge_all, None,
                                  say=print, judge="llm:test", judge_agreement=True)  # fmt: skip
    result = analyzed.to_dict()
    rule = result["labeller_agreement"]["rule"]
    expected = agreement([c.labels for c in cases], [rule_labels(c.diff) for c in cases])
    assert rule["micro_f1"] == expected.micro_f1 and rule["cases"] == len(cases) >= 40
    judged = result["labeller_agreement"]["llm:test"]
    assert judged["micro_f1"] == 1.0 and judged["fell_back_to_rules"] == 0
    assert result["labellers_used"] == {"rule": 20}
    unasked = analyze_experiment(load_experiment(root), tmp_path / "b", judge_all, None,
                                 say=print, judge="llm:test")  # fmt: skip
    assert unasked.labeller_agreement["llm:test"]["unavailable"].startswith("the judge's")
