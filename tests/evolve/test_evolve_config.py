"""The committed evaluators/ files are what the template writes, and they load in OpenEvolve."""

from pathlib import Path

import pytest
from openevolve.config import Config

from aiopt_harness.evolve.config import (
    BLOCK_REWRITE_MAX_LINES,
    PROMPTS_DIR,
    edit_format,
    evolve_block_lines,
    task_config,
    with_overrides,
    write_task_files,
)
from aiopt_harness.tasks.task import builtin_tasks, load_task
from tests.conftest import ROOT

EVALUATORS = ROOT / "evaluators"


@pytest.mark.parametrize("name", sorted(builtin_tasks()))
def test_committed_files_match_the_template(name: str, tmp_path: Path) -> None:
    write_task_files(tmp_path, load_task(name), name)
    for file in ("config.yaml", "evaluator.py"):
        assert (EVALUATORS / name / file).read_text() == (tmp_path / file).read_text(), (
            f"evaluators/{name}/{file} is stale: run python -m aiopt_harness.evolve.config "
            "evaluators"
        )


def test_config_sets_what_the_pitfalls_require() -> None:
    config = Config.from_yaml(str(EVALUATORS / "matmul" / "config.yaml"))
    assert config.language == "cpp" and config.file_suffix == ".cpp"
    assert not config.diff_based_evolution  # matmul's 11-line block is rewritten whole
    assert config.enforce_evolve_blocks
    # the checkout's templates (resolved as OpenEvolve does), the same as the package's
    # (they are one directory in an editable install, a copy in site-packages otherwise)
    committed = Path(config.prompt.template_dir).resolve()
    assert committed == (ROOT / "src" / "aiopt_harness" / "evolve" / "prompts").resolve()
    templates = sorted(p.name for p in PROMPTS_DIR.glob("*.txt"))
    assert "full_rewrite_user.txt" in templates
    for name in templates:
        assert (committed / name).read_text() == (PROMPTS_DIR / name).read_text(), name
    assert Config.from_yaml(str(EVALUATORS / "json_parse" / "config.yaml")).diff_based_evolution
    assert not config.evaluator.cascade_evaluation
    assert config.database.max_snapshot_artifacts is None
    assert config.evolution_trace.enabled and config.evolution_trace.include_failures
    assert config.random_seed == config.database.random_seed == config.llm.random_seed
    assert config.database.feature_dimensions == ["code_lines", "speedup"]
    cache = Config.from_yaml(str(EVALUATORS / "cache_policy" / "config.yaml"))
    assert cache.database.feature_dimensions == ["code_lines", "hit_rate"]


def test_the_tracks_differ_only_in_the_profile_switch() -> None:
    task = load_task("matmul")
    on, off = task_config(task, profile=True), task_config(task, profile=False)
    assert on["evaluator"]["evaluator_args"] == {"profile": True}
    off["evaluator"]["evaluator_args"]["profile"] = True
    assert on == off


def test_run_overrides() -> None:
    config = with_overrides(
        task_config(load_task("matmul")),
        api_base="http://127.0.0.1:9/v1",
        model="m",
        max_tokens=256,
        iterations=3,
        state_dir=Path("/s"),
    )
    assert config["llm"]["api_base"] == "http://127.0.0.1:9/v1"
    assert config["llm"]["models"] == [{"name": "m", "weight": 1.0}]
    assert config["llm"]["max_tokens"] == 256 and config["max_iterations"] == 3
    assert config["evaluator"]["evaluator_args"]["state_dir"] == "/s"


@pytest.mark.parametrize("name", sorted(builtin_tasks()))
def test_the_edit_format_follows_the_block_size(name: str) -> None:
    task = load_task(name)
    lines = evolve_block_lines(task)
    text = task.initial.read_text()
    block = text[text.index("// EVOLVE-BLOCK-START") : text.index("// EVOLVE-BLOCK-END")]
    assert lines == len(block.splitlines()) - 1
    assert edit_format(task) == ("block" if lines <= BLOCK_REWRITE_MAX_LINES else "diff")
    config = task_config(task)
    assert config["diff_based_evolution"] == (edit_format(task) == "diff")
    with pytest.raises(ValueError, match="edit format"):
        task_config(task, edit="whole-file")
