from pathlib import Path

import pytest

from aiopt_harness.tasks.task import DEFAULT_CXXFLAGS, TaskError, load_task

SEEDED = (
    "def params():\n    return b'p'\n\ndef generate(seed):\n    return seed.to_bytes(8, 'little')\n"
)


def write_task(directory: Path, toml: str, generator: str | None = SEEDED) -> Path:
    (directory / "a.cpp").write_text("x")
    if generator is not None:
        (directory / "generator.py").write_text(generator)
    (directory / "task.toml").write_text(toml)
    return directory


def test_loads_the_tiny_task(tiny_task: Path) -> None:
    task = load_task(tiny_task)
    assert task.name == "tiny_task"
    assert task.initial == tiny_task.resolve() / "initial.cpp"
    assert task.generator_path == tiny_task.resolve() / "generator.py"
    assert task.output_capacity == 4096
    assert task.cxxflags == DEFAULT_CXXFLAGS
    assert task.check.kind == "exact"
    generator = task.generator()
    assert generator.params() == b""
    assert generator.generate(1) == generator.generate(1) != generator.generate(2)


def test_loads_the_matmul_task(matmul_task: Path) -> None:
    task = load_task(matmul_task / "task.toml")
    assert task.check.kind == "float64"
    assert task.check.rtol > 0


def test_flags_as_string_and_float_check(tmp_path: Path) -> None:
    write_task(
        tmp_path,
        'initial = "a.cpp"\ncxxflags = "-O3 -std=c++20"\noutput_capacity = 64\n'
        '[check]\nkind = "float64"\nrtol = 1e-6\natol = 0\n',
    )
    task = load_task(tmp_path)
    assert task.cxxflags == ("-O3", "-std=c++20")
    assert task.output_capacity == 64
    assert (task.check.kind, task.check.rtol, task.check.atol) == ("float64", 1e-6, 0.0)


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("", "'initial'"),
        ('initial = "missing.cpp"', "does not exist"),
        ('initial = "a.cpp"\ninputs = ["in.txt"]', "input files are gone"),
        ('initial = "a.cpp"\ngenerator = "nope.py"', "does not exist"),
        ('initial = "a.cpp"\noutput_capacity = 0', "output_capacity"),
        ('initial = "a.cpp"\n[check]\nkind = "fuzzy"', "not one of"),
        ('initial = "a.cpp"\n[check]\nkind = "exact"\nrtol = 0.1', "only to kind"),
        ('initial = "a.cpp"\ncxxflags = 3', "cxxflags"),
        ("initial = [", "task.toml"),
    ],
)
def test_malformed_tasks_give_clear_errors(tmp_path: Path, toml: str, message: str) -> None:
    write_task(tmp_path, toml)
    with pytest.raises(TaskError, match=message):
        load_task(tmp_path)


@pytest.mark.parametrize(
    ("generator", "message"),
    [
        ("def params():\n    return b''\n", "must define params"),
        ("def params():\n    return b''\ndef generate(seed):\n    return b'same'\n", "same input"),
        ("def params():\n    return 'text'\ndef generate(seed):\n    return b''\n", "params()"),
        ("raise RuntimeError('broken')\n", "RuntimeError: broken"),
    ],
)
def test_generators_that_cannot_feed_fresh_inputs_are_rejected(
    tmp_path: Path, generator: str, message: str
) -> None:
    """A task whose inputs do not change with the seed would let a candidate cache."""
    write_task(tmp_path, 'initial = "a.cpp"\n', generator)
    with pytest.raises(TaskError, match=message):
        load_task(tmp_path)


def test_missing_task_toml(tmp_path: Path) -> None:
    with pytest.raises(TaskError, match=r"no task\.toml"):
        load_task(tmp_path)


def test_output_metric_objective_and_new_check_kinds(tmp_path: Path) -> None:
    write_task(
        tmp_path,
        'initial = "a.cpp"\nobjective = "output_metric"\n'
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
    write_task(tmp_path, f'initial = "a.cpp"\n{toml}\n')
    with pytest.raises(TaskError, match=message):
        load_task(tmp_path)


def test_unknown_task_name_lists_the_builtin_ones() -> None:
    with pytest.raises(TaskError, match="matmul"):
        load_task("no_such_task")
