"""The spec file: the shipped example and demo parse; what cannot run is refused with
the file and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiopt_harness.experiment.spec import DEMO, EXAMPLE, SpecError, missing_keys, parse_spec

HERE = Path("/specs/experiment.toml")


def test_the_example_is_the_factorial() -> None:
    spec = parse_spec(EXAMPLE, HERE)
    assert [t.name for t in spec.tracks] == ["A", "B", "C", "D"]
    assert [(t.embedded, t.profile) for t in spec.tracks] == [
        (True, False), (False, False), (True, True), (False, True),
    ]  # fmt: skip
    assert len(spec.runs()) == 4 * 5 and spec.output == Path("/specs/experiment-factorial")
    # seed-major: the first runs of a stopped experiment cover every track
    assert [r.track for r in spec.runs()[:4]] == ["A", "B", "C", "D"]


def test_the_example_sets_the_equivalence_margin() -> None:
    assert parse_spec(EXAMPLE, HERE).analysis.equivalence_margin == 1.05
    assert parse_spec(DEMO, HERE).analysis.equivalence_margin is None


def test_the_embedded_model_is_constrained_and_endpoints_have_budgets() -> None:
    demo = parse_spec(DEMO, HERE)
    assert all(track.is_constrained for track in demo.tracks) and demo.budgets.samples == 2
    example = parse_spec(EXAMPLE, HERE)
    strong = example.track("B")
    assert not strong.is_constrained and strong.has_budget
    assert (strong.token_budget, strong.cost_budget) == (2000000, 5.0)
    assert (strong.price_prompt, strong.price_completion) == (0.20, 0.60)
    assert example.track("A").is_constrained and not example.track("A").has_budget
    forced = parse_spec(
        EXAMPLE.replace("profile = false\n", "profile = false\nconstrained = true\n"), HERE
    )
    assert forced.track("B").is_constrained


def test_the_demo_uses_the_embedded_model_everywhere() -> None:
    spec = parse_spec(DEMO, HERE)
    assert all(track.embedded for track in spec.tracks)
    assert "embedded model on every track" in DEMO
    assert len(spec.runs()) == 2 * 2 and spec.iterations == 3
    assert missing_keys(spec) == []


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("iterations = 3", "iteraions = 3"), "unknown keys ['iteraions']"),
        (("samples = 2", "samples = 2\nprofile_budget = 2"), "[budgets]: unknown keys"),
        (("samples = 2", "samples = 0"), "samples >= 1"),
        (("profile = false", "profile = false\nconstrained = 1"), "constrained is true or false"),
        (("profile = false", "profile = false\ntoken_budget = 0"), "token_budget is a positive"),
        (
            ("profile = false", "profile = false\ncost_budget = 1.0"),
            "cost_budget needs price_prompt and price_completion",
        ),
        (
            ("profile = false", "profile = false\nprice_prompt = 1.0"),
            "give both price_prompt and price_completion",
        ),
        (('[tracks.A]\nllm = "embedded"', "[tracks.A]"), "[tracks.A]: no LLM endpoint"),
        (("profile = false", "profile = 0"), "profile is true or false"),
        (("seeds = [1, 2]", "seeds = [1, 1]"), "seeds repeat"),
        (('tasks = ["matmul"]', 'tasks = ["no_such_task"]'), "task 'no_such_task'"),
        (("iterations = 3", "iterations = 0"), "iterations is a positive integer"),
        (
            ("iterations = 3", "iterations = 3\n[analysis]\nequivalence_margin = 0.95"),
            "equivalence_margin is a speedup ratio above 1",
        ),
        (
            ("iterations = 3", "iterations = 3\n[analysis]\nmargin = 1.05"),
            "[analysis]: unknown keys ['margin']",
        ),
    ],
)
def test_what_cannot_run_is_refused(edit: tuple[str, str], message: str) -> None:
    text = DEMO.replace(*edit, 1)
    assert text != DEMO
    with pytest.raises(SpecError) as error:
        parse_spec(text, HERE)
    assert message in str(error.value) and str(HERE) in str(error.value)


def test_an_unset_key_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STRONG_LLM_KEY", raising=False)
    problems = missing_keys(parse_spec(EXAMPLE, HERE))
    assert len(problems) == 2 and all("STRONG_LLM_KEY" in p for p in problems)
    monkeypatch.setenv("STRONG_LLM_KEY", "secret")
    assert missing_keys(parse_spec(EXAMPLE, HERE)) == []
