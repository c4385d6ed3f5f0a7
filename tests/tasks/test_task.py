from pathlib import Path

import pytest

from aiopt_harness.tasks.task import DEFAULT_CXXFLAGS, TaskError, load_task


def write_task(directory: Path, toml: str, files: tuple[str, ...] = ("a.cpp", "in.txt")) -> Path:
    for name in files:
        (directory / name).write_text("x")
    (directory / "task.toml").write_text(toml)
    return directory


def test_loads_the_tiny_task(tiny_task: Path) -> None:
    task = load_task(tiny_task)
    assert task.name == "tiny_task"
    assert task.initial == tiny_task.resolve() / "initial.cpp"
    assert [p.name for p in task.inputs] == ["input.txt", "input2.txt"]
    assert task.timing_input == task.inputs[0]
    assert task.cxxflags == DEFAULT_CXXFLAGS
    assert task.check.kind == "exact"


def test_loads_the_matmul_task(matmul_task: Path) -> None:
    task = load_task(matmul_task / "task.toml")
    assert task.check.kind == "float64"
    assert task.check.rtol > 0


def test_flags_as_string_and_float_check(tmp_path: Path) -> None:
    write_task(
        tmp_path,
        'initial = "a.cpp"\ninputs = ["in.txt"]\ncxxflags = "-O3 -std=c++20"\n'
        '[check]\nkind = "float64"\nrtol = 1e-6\natol = 0\n',
    )
    task = load_task(tmp_path)
    assert task.cxxflags == ("-O3", "-std=c++20")
    assert (task.check.kind, task.check.rtol, task.check.atol) == ("float64", 1e-6, 0.0)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('inputs = ["in.txt"]', "'initial'"),
        ('initial = "missing.cpp"\ninputs = ["in.txt"]', "does not exist"),
        ('initial = "a.cpp"', "'inputs'"),
        ('initial = "a.cpp"\ninputs = ["nope.txt"]', "does not exist"),
        ('initial = "a.cpp"\ninputs = ["in.txt"]\n[check]\nkind = "fuzzy"', "not one of"),
        (
            'initial = "a.cpp"\ninputs = ["in.txt"]\n[check]\nkind = "exact"\nrtol = 0.1',
            "only to kind",
        ),
        ('initial = "a.cpp"\ninputs = ["in.txt"]\ntiming_input = "other.txt"', "timing_input"),
        ('initial = "a.cpp"\ninputs = ["in.txt"]\ncxxflags = 3', "cxxflags"),
        ("initial = [", "task.toml"),
    ],
)
def test_malformed_tasks_give_clear_errors(tmp_path: Path, toml: str, message: str) -> None:
    write_task(tmp_path, toml)
    with pytest.raises(TaskError, match=message):
        load_task(tmp_path)


def test_missing_task_toml(tmp_path: Path) -> None:
    with pytest.raises(TaskError, match=r"no task\.toml"):
        load_task(tmp_path)


def test_output_metric_objective_and_new_check_kinds(tmp_path: Path) -> None:
    write_task(
        tmp_path,
        'initial = "a.cpp"\ninputs = ["in.txt"]\nobjective = "output_metric"\n'
        'metric = "hit_rate"\n[check]\nkind = "key_value"\nrequire = { valid = 1 }\n',
    )
    task = load_task(tmp_path)
    assert (task.objective.kind, task.objective.metric) == ("output_metric", "hit_rate")
    assert task.objective.direction == "maximize"
    assert task.check.require == (("valid", "1"),)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('objective = "speed"', "objective"),
        ('objective = "output_metric"', "needs metric"),
        ('objective = "output_metric"\nmetric = "m"\ndirection = "up"', "direction"),
        ('[check]\nkind = "decompress"', "needs decompressor"),
        ('[check]\nkind = "exact"\nrequire = { valid = 1 }', "require"),
    ],
)
def test_malformed_objectives_and_checks(tmp_path: Path, toml: str, message: str) -> None:
    write_task(tmp_path, f'initial = "a.cpp"\ninputs = ["in.txt"]\n{toml}\n')
    with pytest.raises(TaskError, match=message):
        load_task(tmp_path)


def test_unknown_task_name_lists_the_builtin_ones() -> None:
    with pytest.raises(TaskError, match="matmul"):
        load_task("no_such_task")
