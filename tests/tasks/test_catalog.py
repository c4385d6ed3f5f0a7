"""Task suites: found under programs/, listed by suite, named SUITE.TASK, loaded by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiopt_harness.cli import main
from aiopt_harness.tasks import catalog
from aiopt_harness.tasks.task import TaskError, builtin_tasks, load_task
from tests.conftest import ROOT


def test_the_perf_ninja_suite_is_listed_apart_from_the_built_in_tasks() -> None:
    suites = catalog.task_suites()
    assert "perf_ninja" in suites
    suite = suites["perf_ninja"]
    # the checkout's programs/ or, in a non-editable install, the package's copy of it
    assert suite.directory.parts[-2:] == ("programs", "perf_ninja")
    assert {d.name for _, d in suite.tasks} == {
        d.name for d in (ROOT / "programs" / "perf_ninja").iterdir() if (d / "task.toml").is_file()
    }
    assert "perf-ninja" in suite.title
    names = [name for name, _ in suite.tasks]
    assert names == sorted(names) and len(names) >= 12
    assert all(name.startswith("perf_ninja.") for name in names)
    assert not set(names) & set(builtin_tasks())  # the built-in list is unchanged
    assert "perf_ninja" not in builtin_tasks()


def test_a_suite_task_loads_by_its_qualified_name_and_by_path() -> None:
    by_name = load_task("perf_ninja.vectorization_2")
    assert by_name.name == "perf_ninja.vectorization_2"
    assert by_name.directory.parts[-3:] == ("programs", "perf_ninja", "vectorization_2")
    by_path = load_task(ROOT / "programs" / "perf_ninja" / "vectorization_2")
    assert by_path.name == by_name.name  # the name follows the directory, however reached
    assert load_task("matmul").name == "matmul"


def test_unknown_names_list_the_suites() -> None:
    with pytest.raises(TaskError, match=r"perf_ninja\.\* \(\d+ tasks\)"):
        load_task("perf_ninja.no_such_lab")
    with pytest.raises(TaskError):
        load_task("vectorization_2")  # a suite's task is found only by its qualified name


def test_a_suite_in_another_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    suite = tmp_path / "mine"
    (suite / "one").mkdir(parents=True)
    (suite / "suite.toml").write_text('title = "my labs"\n')
    (suite / "one" / "task.toml").write_text('initial = "initial.cpp"\n')
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "task.toml").write_text('initial = "initial.cpp"\n')
    monkeypatch.setattr(catalog, "builtin_task_roots", lambda: [tmp_path])
    assert catalog.builtin_tasks() == {"plain": tmp_path / "plain"}
    assert catalog.suite_tasks() == {"mine.one": suite / "one"}
    assert catalog.task_suites()["mine"].title == "my labs"
    assert catalog.named_task("mine.one") == suite / "one"
    assert catalog.named_task("mine/one") is None
    assert catalog.suite_task_name(suite / "one") == "mine.one"
    assert catalog.suite_task_name(tmp_path / "plain") is None


def test_aiopt_tasks_prints_the_suite_under_its_heading(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tasks"]) == 0
    out = capsys.readouterr().out
    before, _, after = out.partition("\nsuite perf_ninja: ")
    assert "matmul" in before and "perf_ninja." not in before
    assert "perf_ninja.warmup" in after and "perf_ninja.data_packing" in after


def test_an_experiment_spec_takes_a_suite_task_by_name(tmp_path: Path) -> None:
    from aiopt_harness.experiment.spec import SpecError, parse_spec

    body = (
        "seeds = [1]\niterations = 1\n\n[tracks.A]\n"
        'api_base = "http://127.0.0.1:1/v1"\nmodel = "m"\nprofile = false\n'
    )
    spec = parse_spec('tasks = ["perf_ninja.warmup"]\n' + body, tmp_path / "spec.toml")
    assert spec.tasks == ("perf_ninja.warmup",)
    assert spec.runs()[0].name == "perf_ninja.warmup-A-s1"  # one path component
    with pytest.raises(SpecError, match="no task"):
        parse_spec('tasks = ["perf_ninja.nothing"]\n' + body, tmp_path / "spec.toml")
