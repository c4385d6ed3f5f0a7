"""The prompt templates render in OpenEvolve, put static text first, and a rewritten
block comes back into the parent program through OpenEvolve's own enforce_evolve_blocks."""

from __future__ import annotations

import pytest
from openevolve.utils.code_utils import enforce_evolve_blocks, parse_full_rewrite

from aiopt_harness.evolve.prompt_preview import initial_prompt
from aiopt_harness.tasks.task import load_task


def prompt_of(name: str, artifacts: dict[str, str] | None = None) -> dict[str, str]:
    return initial_prompt(load_task(name), artifacts)


@pytest.mark.parametrize("name", ["matmul", "json_parse"])
def test_the_prompt_shows_the_parent_and_its_artifacts_last(name: str) -> None:
    code = load_task(name).initial.read_text()
    prompt = prompt_of(name, {"profile": "line 21: 80% of samples"})
    user = prompt["user"]
    assert code in user
    assert user.index("# What to do") < user.index(code) < user.index("### profile")
    assert "{" + "current_program}" not in user and "fitness 0.9800" in user
    assert "SEARCH" not in prompt["system"]  # the answer format is the template's alone
    if name == "matmul":
        assert "single ```cpp code block" in user
    else:
        assert "<<<<<<< SEARCH" in user


def test_two_prompts_share_their_static_prefix() -> None:
    """The server reuses the cached prefix of the last prompt: the instructions come first."""
    a = prompt_of("matmul", {"profile": "one"})["user"]
    b = prompt_of("matmul", {"failure": "two"})["user"]
    common = next(i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y)
    assert common > a.index("# The program")


def test_a_rewritten_block_replaces_the_parents_block_only() -> None:
    parent = load_task("matmul").initial.read_text()
    answer = (
        "```cpp\n// EVOLVE-BLOCK-START\n// idea: i-k-j order\nstatic void multiply(int n, "
        "const double* a, const double* b, double* c) {}\n// EVOLVE-BLOCK-END\n```"
    )
    child = enforce_evolve_blocks(parent, parse_full_rewrite(answer, "cpp") or "")
    head, _, tail = parent.partition("// EVOLVE-BLOCK-START")
    assert child.startswith(head) and child.endswith(tail.partition("// EVOLVE-BLOCK-END")[2])
    assert "// idea: i-k-j order" in child and "double sum = 0.0;" not in child
    # the whole program with an edit outside the block: that edit is reverted
    whole = parent.replace("if (n == 0 || n > 4096)", "if (n == 0)")
    assert enforce_evolve_blocks(parent, whole) == parent
    with pytest.raises(ValueError, match="EVOLVE-BLOCK markers"):
        enforce_evolve_blocks(parent, "static void multiply() {}")
