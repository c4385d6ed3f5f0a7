"""``report.html`` from synthetic experiments: it shows analysis.json's figures and notes,
and candidate text (an LLM wrote the diffs) cannot put markup or script into the page."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from aiopt_harness.analysis.analyze import analyze_experiment
from aiopt_harness.analysis.experiment_data import load_experiment
from aiopt_harness.analysis.report_html import CSP, _fmt, render_report
from aiopt_harness.analysis.result import AnalysisResult, analysis_from_dict, read_analysis
from aiopt_harness.analysis.rule_labeller import rule_labels

from .synthetic_experiment import SyntheticRun, write_experiment

ATTACK = (
    '  // </pre><script>window.pwned=1</script><img src="http://127.0.0.1:9/x" '
    "onerror=\"fetch('http://127.0.0.1:9/')\"><!--\n"
)
BASES = {"A": 1.10, "B": 1.30, "C": 1.40, "D": 1.60}


class _Tags(HTMLParser):
    """Every start tag with its attributes, and the page's text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(page: str) -> _Tags:
    parser = _Tags()
    parser.feed(page)
    parser.close()
    return parser


def _rules(diffs: list[str]) -> list[tuple[frozenset[str], str, str]]:
    return [(rule_labels(d), "rule", "") for d in diffs]


def _runs(mutation_on: str) -> list[SyntheticRun]:
    runs = []
    for track, base in BASES.items():
        for seed in range(1, 6):
            best = base * (1 + 0.03 * seed)
            iterations = [("ok", base, True), ("compile_error", None, False), ("ok", best, True)]
            mutation = mutation_on if track in "CD" else f"  // note {track}{seed}\n"
            runs.append(SyntheticRun(track, seed, best, iterations, mutation))
    return runs


def _result(root: Path, mutation_on: str) -> AnalysisResult:
    write_experiment(root, _runs(mutation_on), iterations=3)
    return analyze_experiment(load_experiment(root), root / "analysis", _rules, None, say=print)


@pytest.fixture(scope="module")
def attacked(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str]:
    mutation = "  #pragma omp parallel for\n" + ATTACK
    result = _result(tmp_path_factory.mktemp("attacked"), mutation)
    return result.to_dict(), render_report(result)


def _as_written_before(value: Any) -> Any:
    """An analysis.json as versions before the ``unavailable`` field wrote it: the
    reason in a ``note`` starting with "unavailable:" (a comparison's note empty when it
    had figures), the task's ``threshold_note``."""
    if isinstance(value, list):
        return [_as_written_before(v) for v in value]
    if not isinstance(value, dict):
        return value
    old: dict[str, Any] = {}
    for key, item in value.items():
        if key == "unavailable":
            old["note"] = f"unavailable: {item}" if item is not None else ""
        elif key == "threshold_unavailable":
            old["threshold_note"] = f"unavailable: {item}" if item is not None else ""
        else:
            old[key] = _as_written_before(item)
    return old


def test_an_analysis_json_of_an_earlier_version_renders_the_same(tmp_path: Path) -> None:
    """Old files said "unavailable" in a note: read back, they give the same page."""
    write_experiment(tmp_path, _runs("  // same note\n"), iterations=3, threshold=None)
    result = analyze_experiment(load_experiment(tmp_path), tmp_path / "a", _rules, None, say=print)
    old = _as_written_before(result.to_dict())
    assert "unavailable" not in str(old.keys()) and "unavailable: " in str(old)
    page = render_report(result)
    assert render_report(analysis_from_dict(old)) == page
    assert "unavailable: no baseline for matmul on this machine" in "".join(_parse(page).text)


def test_candidate_text_cannot_add_markup_or_script(attacked: tuple[dict[str, Any], str]) -> None:
    result, page = attacked
    studies = result["tasks"]["matmul"]["case_studies"]
    assert studies and "<script>" in studies[0]["diff"]  # the attack reached the report
    parsed = _parse(page)
    names = {tag for tag, _ in parsed.tags}
    assert not names & {"script", "img", "iframe", "object", "embed", "link", "base", "form"}
    handlers = [name for _, attrs in parsed.tags for name, _ in attrs if name.startswith("on")]
    assert handlers == []
    assert "<!--" not in page.split("<body>")[1]  # the comment opener is text, not markup
    text = "".join(parsed.text)
    assert "<script>window.pwned=1</script>" in text  # shown, as text
    policy = [dict(attrs) for tag, attrs in parsed.tags if tag == "meta"]
    assert {"http-equiv": "Content-Security-Policy", "content": CSP} in policy
    assert "default-src 'none'" in CSP and "script-src" not in CSP


def test_report_shows_the_analysis_figures(attacked: tuple[dict[str, Any], str]) -> None:
    result, page = attacked
    text = "".join(_parse(page).text)
    planned = result["tasks"]["matmul"]["scores"]["in_loop"]["planned"]
    first = planned[0]
    assert first["hypothesis"] == "C > A"
    for key in ("p", "p_holm"):
        assert _fmt(first["figures"][key]) in text
    for row in result["runs"]:
        assert row["run"] in text
    agreement = result["labeller_agreement"]["rule"]
    assert _fmt(agreement["micro_f1"]) in text
    interaction = result["tasks"]["matmul"]["scores"]["in_loop"]["interaction"]["figures"]
    assert _fmt(interaction["did_log"]) in text
    # final scores, trajectories, valid rate, coverage, categories: inline SVG each
    assert page.count("<svg") == 5
    assert "noise threshold: speedup 1.02" in text


def test_what_cannot_be_computed_says_unavailable(attacked: tuple[dict[str, Any], str]) -> None:
    _, page = attacked
    text = "".join(_parse(page).text)
    assert "unavailable: re-measurement was turned off" in text
    assert "unavailable: track A has 0 scored runs" in text  # nothing re-measured
    assert "unavailable: fewer than 2 scored runs per track" in text  # no profile plot


def test_no_threshold_and_no_case_study_are_named(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    write_experiment(root, _runs("  // same note\n"), iterations=3, threshold=None)
    result = analyze_experiment(load_experiment(root), root / "analysis", _rules, None, say=print)
    text = "".join(_parse(render_report(result)).text)
    assert "unavailable: no baseline for matmul on this machine" in text
    assert "unavailable: no improvement beyond the threshold was found only by a track" in text


def test_aiopt_analyze_writes_json_and_report(tmp_path: Path) -> None:
    import json
    import subprocess
    import sys

    root = write_experiment(tmp_path / "exp", _runs("  #pragma omp parallel for\n"), iterations=3)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "aiopt_harness.cli",
            "analyze",
            str(root),
            "--no-remeasure",
            "--judge",
            "rules",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "wrote" in done.stdout
    result = read_analysis(root / "analysis" / "analysis.json")
    assert result.labeller == "rule"
    assert result.to_dict() == json.loads((root / "analysis" / "analysis.json").read_text())
    page = (root / "analysis" / "report.html").read_text()
    assert page == render_report(result)
