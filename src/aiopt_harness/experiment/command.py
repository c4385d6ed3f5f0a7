"""``aiopt experiment init | run | status``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .layout import ExperimentDir
from .spec import DEMO, EXAMPLE, ExperimentSpec, SpecError, load_spec


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "experiment", help="the 4-track factorial over tasks and seeds, resumable"
    )
    actions = parser.add_subparsers(dest="experiment_command", required=True)
    init = actions.add_parser("init", help="write a commented example spec")
    init.add_argument("path", type=Path, nargs="?", default=Path("experiment.toml"))
    init.add_argument(
        "--demo",
        action="store_true",
        help="the demo spec instead: the embedded model on 2 tracks, 2 seeds, 3 iterations",
    )
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    run = actions.add_parser("run", help="run (or resume) every run of a spec")
    run.add_argument("spec", type=Path, help="the spec file (TOML)")
    run.add_argument(
        "--no-endpoint-check",
        action="store_true",
        help="start without asking each endpoint for /models first",
    )
    run.add_argument(
        "--ray",
        metavar="ADDRESS",
        default=None,
        help="run evaluations on the Ray cluster at ADDRESS (e.g. 10.0.0.1:6379; pip "
        "install '.[ray]'; nodes offer the aiopt_measure_cpu resource, see docs/experiment.md)",
    )
    run.add_argument(
        "--parallel",
        type=int,
        default=1,
        help="iterations of a run in flight at once (default 1; with --ray, up to the "
        "cluster's aiopt_measure_cpu units)",
    )
    run.add_argument(
        "--runs-at-once",
        type=int,
        default=1,
        help="runs going at once, each in a process of its own (default 1): one run's LLM "
        "calls overlap another's evaluations",
    )
    status = actions.add_parser("status", help="where an experiment stands")
    status.add_argument("path", type=Path, help="the experiment directory or its spec file")


def _require_ray() -> None:
    try:
        import ray  # noqa: F401
    except ImportError:
        raise SpecError("--ray needs Ray: pip install 'aiopt-harness[ray]'") from None


def _spec_of(path: Path) -> ExperimentSpec:
    return ExperimentDir(path).spec() if path.is_dir() else load_spec(path)


def main(args: argparse.Namespace) -> int:
    say = lambda line: print(f"aiopt: {line}", flush=True)  # noqa: E731
    try:
        if args.experiment_command == "init":
            if args.path.exists() and not args.force:
                raise SpecError(f"{args.path} exists (--force overwrites it)")
            args.path.write_text(DEMO if args.demo else EXAMPLE)
            load_spec(args.path)  # what is written must be a valid spec
            print(f"wrote {args.path}; run it with: aiopt experiment run {args.path}")
            return 0
        spec = _spec_of(args.path if args.experiment_command == "status" else args.spec)
        if args.experiment_command == "status":
            from .status import experiment_progress, format_status

            print(format_status(spec, experiment_progress(spec)))
            return 0
        from ..llm.errors import LocalLlmError
        from .runner import Executor, run_experiment
        from .status import experiment_progress

        if args.parallel < 1 or args.runs_at_once < 1:
            raise SpecError("--parallel and --runs-at-once are at least 1")
        if args.ray is not None:
            _require_ray()
        executor = Executor(
            ray_address=args.ray, parallel=args.parallel, runs_at_once=args.runs_at_once
        )
        try:
            run_experiment(
                spec, say=say, check_endpoints=not args.no_endpoint_check, executor=executor
            )
        except LocalLlmError as error:
            raise SpecError(str(error)) from None
        # a run not started because its track's budget was spent ended as the spec says
        return 0 if all(p.state.finished for p in experiment_progress(spec)) else 1
    except SpecError as error:
        print(f"aiopt: {error}", file=sys.stderr)
        return 2
