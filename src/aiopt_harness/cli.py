"""The ``aiopt`` command line."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from .measurement.harness import compare, measure
from .measurement.options import RunOptions
from .measurement.report import format_compare, format_measure
from .measurement.results import CompareResult, MeasureResult
from .profilers.mutation_context import generate_mutation_context
from .profilers.profiling import DEFAULT_PROFILERS, PROFILERS, profile
from .sandbox.verdict import Status
from .tasks.catalog import task_suites
from .tasks.task import TaskError, builtin_tasks, load_task


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--task", required=True, help="task directory (with task.toml)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--cpu", type=int, default=None, help="CPU to pin to (default: last)")
    parser.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        help="seconds allowed for each isolated run (default 30)",
    )
    parser.add_argument("--no-counters", action="store_true", help="do not open perf counters")
    parser.add_argument(
        "--require-containment",
        action="store_true",
        help="refuse to run the candidate unless every sandbox layer is active",
    )


def _run_options(args: argparse.Namespace) -> RunOptions:
    """The options of ``_common`` (and compare's --seed) as the harness takes them."""
    options = RunOptions(
        cpu=args.cpu,
        timeout=args.timeout,
        counters=not args.no_counters,
        require_containment=args.require_containment,
    )
    if getattr(args, "seed", None) is not None:
        options["seed"] = args.seed
    return options


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aiopt", description="Measure and compare compiled C++ candidate programs."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    measure_parser = commands.add_parser("measure", help="check and time one candidate")
    measure_parser.add_argument("candidate", help="candidate C++ source file")
    measure_parser.add_argument(
        "--budget", type=float, default=1.0, help="seconds of timing (default 1)"
    )
    _common(measure_parser)

    commands.add_parser("tasks", help="list the built-in tasks")

    evolve_parser = commands.add_parser(
        "evolve", help="run OpenEvolve on a task with this harness as the evaluator"
    )
    evolve_parser.add_argument("task", help="task directory or built-in name")
    evolve_parser.add_argument("--iterations", type=int, required=True)
    evolve_parser.add_argument(
        "--profile",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="profile artifact in prompts (default: on)",
    )
    evolve_parser.add_argument(
        "--api-base",
        default=None,
        help="OpenAI-compatible endpoint (default: the embedded model); "
        "the key comes from $OPENAI_API_KEY",
    )
    evolve_parser.add_argument("--model", default=None, help="model name at --api-base")
    evolve_parser.add_argument("--seed", type=int, default=42)
    evolve_parser.add_argument(
        "--require-containment",
        action="store_true",
        help="evaluations refuse to run candidates unless every sandbox layer is active",
    )
    evolve_parser.add_argument(
        "--max-tokens", type=int, default=None, help="LLM completion limit (default 2048)"
    )
    evolve_parser.add_argument(
        "--repairs",
        type=int,
        default=1,
        metavar="N",
        help="when an answer gives no program that compiles, ask the LLM again up to N "
        "times with the compiler's first error (default 1; 0: never; unconstrained only)",
    )
    evolve_parser.add_argument(
        "--constrained",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="answers held to one change by a grammar (llama.cpp servers), several per "
        "iteration, filtered by compile and check (default: on for the embedded model, "
        "off with --api-base)",
    )
    evolve_parser.add_argument(
        "--samples",
        type=int,
        default=4,
        metavar="N",
        help="constrained: answers asked at most per iteration (default 4)",
    )
    evolve_parser.add_argument(
        "--temperature", type=float, default=None, help="sampling temperature (default 0.7)"
    )
    evolve_parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help="output directory (default: evolve-TASK-profile|noprofile-sSEED)",
    )
    evolve_parser.add_argument(
        "--resume", action="store_true", help="continue from the latest checkpoint in --output"
    )

    from .analysis.command import add_parser as add_analyze_parser
    from .experiment.command import add_parser as add_experiment_parser
    from .noise.command import add_parser as add_baseline_parser

    add_experiment_parser(commands)
    add_baseline_parser(commands)
    add_analyze_parser(commands)

    llm_parser = commands.add_parser("llm", help="the embedded local LLM")
    llm_commands = llm_parser.add_subparsers(dest="llm_command", required=True)
    serve_parser = llm_commands.add_parser("serve", help="serve it until Ctrl-C")
    serve_parser.add_argument("--port", type=int, default=None)
    serve_parser.add_argument("--n-ctx", type=int, default=8192)
    serve_parser.add_argument("--threads", type=int, default=2)

    profile_parser = commands.add_parser(
        "profile", help="measure and profile one candidate; print the mutation context"
    )
    profile_parser.add_argument("candidate", help="candidate C++ source file")
    profile_parser.add_argument("--task", required=True, help="task directory or built-in name")
    profile_parser.add_argument(
        "--profilers",
        default=",".join(DEFAULT_PROFILERS),
        help=f"comma-separated, from {','.join(PROFILERS)} (default: "
        f"{','.join(DEFAULT_PROFILERS)})",
    )
    profile_parser.add_argument(
        "--budget",
        type=float,
        default=10.0,
        help="seconds each external profiler aims for (default 10)",
    )
    profile_parser.add_argument(
        "--causal-budget", type=float, default=30.0, help="seconds of Coz experiments (default 30)"
    )
    profile_parser.add_argument(
        "--max-chars",
        type=int,
        default=4000,
        help="length limit of the mutation context (default 4000)",
    )
    profile_parser.add_argument("--bcoz", help="a BCOZ (or Coz) profile file to include")
    profile_parser.add_argument("--bperf", help="a `bperf report` output file to include")
    profile_parser.add_argument(
        "--json", action="store_true", help="print the whole profile and the context as JSON"
    )
    profile_parser.add_argument(
        "--require-containment",
        action="store_true",
        help="run no candidate code (measurement or tool) outside a full sandbox",
    )

    compare_parser = commands.add_parser(
        "compare", help="check two programs and time them interleaved"
    )
    compare_parser.add_argument("baseline", help="baseline C++ source file")
    compare_parser.add_argument("candidate", help="candidate C++ source file")
    compare_parser.add_argument(
        "--budget", type=float, default=2.0, help="seconds of timing (default 2)"
    )
    compare_parser.add_argument(
        "--precision",
        type=float,
        default=0.0,
        help="stop once the interval's relative half-width is this small (default 0: off; "
        "stopping on precision lowers the interval's coverage)",
    )
    compare_parser.add_argument("--seed", type=int, default=None, help="seed of the round order")
    _common(compare_parser)
    return parser


def _profile(args: argparse.Namespace) -> int:
    try:
        result = profile(
            args.candidate,
            task=args.task,
            profilers=[name.strip() for name in args.profilers.split(",") if name.strip()],
            budget=args.budget,
            causal_budget=args.causal_budget,
            bcoz_profile=args.bcoz,
            bperf_report=args.bperf,
            on_progress=lambda line: print(f"aiopt: {line}", file=sys.stderr, flush=True),
            require_containment=args.require_containment,
        )
    except (TaskError, FileNotFoundError, ValueError) as error:
        print(f"aiopt: {error}", file=sys.stderr)
        return 2
    context = generate_mutation_context(result, max_chars=args.max_chars)
    if args.json:
        print(json.dumps({"profile": result.to_dict(), "context": context.text}, indent=2))
    else:
        print(context.text)
    return 0 if result.status is Status.OK else 1


def _evolve(args: argparse.Namespace) -> int:
    from .evolve.run import EvolveOptions, run_evolve
    from .evolve.run_summary import format_summary
    from .llm.errors import LocalLlmError

    track = "profile" if args.profile else "noprofile"
    name = Path(args.task).name
    output = args.output or Path(f"evolve-{name}-{track}-s{args.seed}")
    options = EvolveOptions(
        task=args.task,
        iterations=args.iterations,
        output=output,
        profile=args.profile,
        api_base=args.api_base,
        model=args.model,
        seed=args.seed,
        max_tokens=args.max_tokens,
        resume=args.resume,
        require_containment=args.require_containment,
        repair_rounds=args.repairs,
        constrained=args.constrained,
        samples=args.samples,
        temperature=args.temperature,
    )
    try:
        summary = run_evolve(options, say=lambda line: print(f"aiopt: {line}", flush=True))
    except (TaskError, LocalLlmError) as error:
        print(f"aiopt: {error}", file=sys.stderr)
        return 2
    print(format_summary(summary))
    # A run whose LLM produced no usable program is still a complete run (an outcome of
    # the experiment); incomplete is when iterations are missing from the log.
    return 0 if summary.complete else 1


def _list_tasks() -> int:
    suites = task_suites().values()
    width = max([14, *(len(name) + 1 for suite in suites for name, _ in suite.tasks)])

    def line(name: str, directory: Path) -> str:
        task = load_task(directory, check_inputs=False)
        objective = (
            f"{task.objective.metric} ({task.objective.direction})"
            if task.objective.metric
            else "time"
        )
        return f"{name:<{width}} objective: {objective:<24} {directory}"

    for name, directory in builtin_tasks().items():
        print(line(name, directory))
    for suite in suites:
        print(f"\nsuite {suite.name}: {suite.title} ({len(suite.tasks)} tasks)")
        for name, directory in suite.tasks:
            print(line(name, directory))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "tasks":
        return _list_tasks()
    if args.command == "profile":
        return _profile(args)
    if args.command == "evolve":
        return _evolve(args)
    if args.command == "baseline":
        from .noise.command import main as baseline_main

        return baseline_main(args)
    if args.command == "analyze":
        from .analysis.command import main as analyze_main

        return analyze_main(args)
    if args.command == "experiment":
        from .experiment.command import main as experiment_main

        return experiment_main(args)
    if args.command == "llm":
        from .llm.server import serve_main

        return serve_main(args.port, args.n_ctx, args.threads)
    result: MeasureResult | CompareResult
    options = _run_options(args)
    try:
        if args.command == "measure":
            result = measure(args.candidate, task=args.task, budget=args.budget, **options)
        else:
            result = compare(
                args.baseline,
                args.candidate,
                task=args.task,
                budget=args.budget,
                precision=args.precision,
                **options,
            )
    except (TaskError, FileNotFoundError, ValueError) as error:
        print(f"aiopt: {error}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
    elif isinstance(result, MeasureResult):
        print(format_measure(result))
    else:
        print(format_compare(result))
    return 0 if result.status is Status.OK else 1


if __name__ == "__main__":
    sys.exit(main())
