"""``aiopt analyze EXPERIMENT_DIR``: re-measures each run's best program, labels every
accepted mutation, computes the research design's statistics, and writes
``ANALYSIS/analysis.json`` (every number) and ``ANALYSIS/report.html`` (plots, tables)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from ..common.files import write_atomically
from ..experiment.spec import SpecError

Labels = list[tuple[frozenset[str], str, str]]  # per diff: labels, labeller, note
LabelAll = Callable[[list[str]], Labels]

JUDGES = "rules | embedded | an OpenAI-compatible base URL (with --judge-model)"


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "analyze", help="statistics, mutation categories, plots and a report of an experiment"
    )
    parser.add_argument("experiment", type=Path, help="the experiment directory")
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help="where the report goes (default: EXPERIMENT/analysis)",
    )
    parser.add_argument(
        "--remeasure-budget",
        type=float,
        default=2.0,
        help="timing seconds per re-measurement (default 2)",
    )
    parser.add_argument(
        "--no-remeasure",
        action="store_true",
        help="report in-loop scores only (re-measured figures unavailable)",
    )
    parser.add_argument("--judge", default="embedded", help=f"the category labeller: {JUDGES}")
    parser.add_argument("--judge-model", default=None, help="the judge's model name (a URL judge)")
    parser.add_argument(
        "--judge-key-env", default=None, help="environment variable holding the judge's API key"
    )
    parser.add_argument("--cases", type=int, default=3, help="case studies per task (default 3)")
    parser.add_argument(
        "--judge-agreement",
        action="store_true",
        help="also label the labelled set with the judge: its F1 and kappa",
    )


def _rules() -> LabelAll:
    from .rule_labeller import rule_labels

    return lambda diffs: [(rule_labels(d), "rule", "") for d in diffs]


def _judge_all(base_url: str, model: str, api_key: str, say: Callable[[str], None]) -> LabelAll:
    from .llm_judge import LLMJudge

    judge = LLMJudge(base_url, model, api_key=api_key)

    def label_all(diffs: list[str]) -> Labels:
        answers: Labels = []
        for number, diff in enumerate(diffs, 1):
            if number == 1 or number % 5 == 0:
                say(f"judging mutation {number}/{len(diffs)}")
            result = judge.labels(diff)
            answers.append((result.labels, result.labeller, result.note))
        return answers

    return label_all


def _labeller(args: argparse.Namespace, say: Callable[[str], None]) -> LabelAll:
    import os

    if args.judge == "rules":
        return _rules()
    if args.judge == "embedded":

        def with_embedded(diffs: list[str]) -> Labels:
            from ..llm.server import LocalLlmServer

            say(f"starting the embedded model to judge {len(diffs)} mutations")
            with LocalLlmServer(progress=say) as server:
                return _judge_all(server.api_base, server.model_name, "none", say)(diffs)

        return with_embedded
    if not args.judge.startswith(("http://", "https://")) or not args.judge_model:
        raise ValueError(f"--judge is {JUDGES}")
    key = os.environ.get(args.judge_key_env, "") if args.judge_key_env else "none"
    return _judge_all(args.judge, args.judge_model, key or "none", say)


def main(args: argparse.Namespace) -> int:
    from .analyze import analyze_experiment
    from .experiment_data import load_experiment
    from .report_html import render_report
    from .result import analysis_json

    def say(line: str) -> None:
        print(f"aiopt: {line}", flush=True)

    try:
        data = load_experiment(args.experiment)
        label_all = _labeller(args, say)
    except (SpecError, ValueError) as error:
        print(f"aiopt: {error}", file=sys.stderr)
        return 2
    output = args.output or args.experiment / "analysis"
    output.mkdir(parents=True, exist_ok=True)
    budget = None if args.no_remeasure else args.remeasure_budget
    judge = {"rules": "rule", "embedded": "llm:embedded"}.get(
        args.judge, f"llm:{args.judge_model}@{args.judge}"
    )
    result = analyze_experiment(data, output, label_all, budget, args.cases, say, judge,
                                args.judge_agreement)  # fmt: skip
    write_atomically(output / "analysis.json", analysis_json(result))
    write_atomically(output / "report.html", render_report(result))
    say(f"wrote {output / 'analysis.json'} and {output / 'report.html'}")
    print(f"report: {(output / 'report.html').resolve()} (open it in a browser)", flush=True)
    return 0
