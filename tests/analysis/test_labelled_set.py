"""The labelled set of mutation diffs: size, label coverage, well-formed cases, and that
its JSON ships inside the package."""

from __future__ import annotations

import collections
import tomllib
from importlib import resources
from pathlib import Path

from aiopt_harness.analysis.labelled_set import RESOURCE, load_labelled_set
from aiopt_harness.analysis.taxonomy import ALL_LABELS

ROOT = Path(__file__).resolve().parents[2]
TASKS = {"btree", "cache_policy", "gpt_mini", "json_parse", "lz_compress", "matmul", "particles"}


def test_size_and_ids() -> None:
    cases = load_labelled_set()
    assert len(cases) >= 40
    ids = [case.id for case in cases]
    assert len(ids) == len(set(ids))


def test_every_label_occurs_at_least_twice() -> None:
    counts = collections.Counter(label for case in load_labelled_set() for label in case.labels)
    assert set(counts) <= set(ALL_LABELS)
    assert {label: counts[label] for label in ALL_LABELS if counts[label] < 2} == {}


def test_cases_are_well_formed() -> None:
    for case in load_labelled_set():
        assert case.task in TASKS, case.id
        assert case.labels, case.id
        assert case.labels <= set(ALL_LABELS), case.id
        assert case.why.strip().endswith("."), case.id
        diff = case.diff
        assert diff.startswith("--- parent\n+++ child\n"), case.id
        assert any(line.startswith(("+", "-")) for line in diff.splitlines()[2:]), case.id
        if "refactor_noop" in case.labels:
            assert case.labels == {"refactor_noop"}, case.id


def test_known_variants_of_every_task() -> None:
    ids = {case.id for case in load_labelled_set()}
    for task in TASKS:
        assert f"{task}-better" in ids
        assert f"{task}-broken" in ids
    hand_written = [i for i in ids if not i.endswith(("-better", "-broken"))]
    assert len(hand_written) >= 26


def test_variant_cases_use_the_fixture_programs() -> None:
    """The better/broken cases are the EVOLVE blocks of the real files: every code line
    of the child occurs in the fixture (only variant-naming comments were left out)."""
    cases = {case.id: case for case in load_labelled_set()}
    for task in TASKS:
        initial = (ROOT / "programs" / task / "initial.cpp").read_text()
        assert cases[f"{task}-better"].parent in initial
        for variant in ("better", "broken"):
            fixture = (ROOT / "tests" / "programs" / task / f"{variant}.cpp").read_text()
            for line in cases[f"{task}-{variant}"].child.splitlines():
                code = line.split("//")[0].rstrip()
                assert code in fixture, (task, variant, line)


def test_json_is_a_package_resource() -> None:
    resource = resources.files("aiopt_harness.analysis").joinpath(*RESOURCE)
    assert resource.is_file()
    package_dir = ROOT / "src" / "aiopt_harness"
    assert (package_dir / "analysis" / Path(*RESOURCE)).is_file()
    # scikit-build-core puts everything under wheel.packages into the wheel unless told
    # to exclude it: nothing in pyproject may exclude the JSON file
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["scikit-build"]
    wheel = config.get("wheel", {})
    if "packages" in wheel:
        assert "src/aiopt_harness" in wheel["packages"]
    assert not wheel.get("exclude"), wheel.get("exclude")
    for pattern in config.get("sdist", {}).get("exclude", []):
        assert "analysis" not in pattern and "json" not in pattern, pattern
