"""The answer grammars accept exactly one change and nothing else (read as a regular
expression by tests/llm/gbnf_regex.py), and what they accept is what OpenEvolve's parsers
turn into a child; llama.cpp's own parser reads them when llama-cpp-python is here."""

from __future__ import annotations

import pytest

from aiopt_harness.evolve.repair import child_program
from aiopt_harness.llm.grammar import (
    block_grammar,
    free_line_rules,
    literal,
    region_lines,
    top_level_units,
    unit_grammar,
)
from aiopt_harness.tasks.task import load_task
from tests.scripted_llm import GOOD_BLOCK

from .gbnf_regex import accepts

MATMUL = load_task("matmul").initial.read_text()
LZ = load_task("lz_compress").initial.read_text()
GOOD = GOOD_BLOCK.replace("// idea: i-k-j loop order", "// Idea: i-k-j loop order")


def test_literals_escape_everything_but_letters_digits_and_spaces() -> None:
    assert literal('a "b"\n\\ é') == '"a \\x22b\\x22\\x0A\\x5C \\u00E9"'
    tricky = 'x[]^-"y'
    assert accepts("root ::= " + literal(tricky), tricky)


def test_a_free_line_never_starts_with_a_forbidden_prefix() -> None:
    grammar = "root ::= line*\n" + "\n".join(free_line_rules("line", ("```", "// EVOLVE")))
    assert accepts(grammar, "int x;\n\n  // EVOLVE-BLOCK-END\n// EVOL\n`` x\n// E\n")
    for bad in ("```\n", "```cpp\n", "// EVOLVE-BLOCK-END\n", "int x;\n// EVOLVE\n"):
        assert not accepts(grammar, bad), bad


def test_the_block_grammar_takes_one_block_and_nothing_else() -> None:
    grammar = block_grammar()
    assert accepts(grammar, GOOD)
    assert not accepts(grammar, GOOD_BLOCK)  # the first line must name the idea
    assert not accepts(grammar, "Here is the code:\n" + GOOD)
    assert not accepts(grammar, GOOD + "\nThis is faster because ...")
    assert not accepts(grammar, GOOD + "\n" + GOOD)
    assert not accepts(grammar, MATMUL)  # the whole program: text before the block
    child = child_program(MATMUL, GOOD, diff_based=False)
    assert child.problem is None and child.child is not None and "aik" in child.child


def test_units_are_whole_functions_types_and_declarations() -> None:
    lines = region_lines(LZ)
    assert lines is not None
    units = top_level_units(lines)
    assert units[0] == "constexpr int kHashBits = 16;\n"
    names = [next(ln for ln in unit.splitlines() if not ln.startswith("//")) for unit in units]
    assert any(name.startswith("void compress(State* s") for name in names)
    assert any(unit.startswith("// Knuth multiplicative hash") for unit in units)
    last_code = [unit.splitlines()[-1].split("//")[0].rstrip() for unit in units]
    assert all(code.endswith(("}", ";")) for code in last_code), last_code
    # every line of the region's code is in exactly one unit
    code = [ln for ln in lines if ln.strip()]
    assert [ln for unit in units for ln in unit.splitlines() if ln.strip()] == code
    assert top_level_units(region_lines(MATMUL) or []) == [
        "\n".join(region_lines(MATMUL) or []) + "\n"
    ]


def test_the_unit_grammar_takes_one_pair_whose_search_is_a_unit() -> None:
    grammar = unit_grammar(LZ)
    assert grammar is not None
    search = (
        "inline uint32_t load32(const uint8_t* p) {\n    uint32_t v;\n"
        "    std::memcpy(&v, p, 4);\n    return v;\n}\n"
    )
    assert search in LZ
    replace = (
        "// Idea: a cast\ninline uint32_t load32(const uint8_t* p) {\n"
        "    uint32_t v; std::memcpy(&v, p, 4); return v;\n}\n"
    )
    answer = f"<<<<<<< SEARCH\n{search}=======\n{replace}>>>>>>> REPLACE"
    assert accepts(grammar, answer)
    child = child_program(LZ, answer, diff_based=True)
    assert child.problem is None and child.child is not None
    assert "uint32_t v; std::memcpy" in child.child
    partial = search.replace("    return v;\n}\n", "")  # not a whole unit
    assert not accepts(grammar, answer.replace(search, partial))
    assert not accepts(grammar, answer + "\n" + answer)  # one pair only
    assert not accepts(grammar, answer.replace("// Idea: a cast\n", ""))
    assert unit_grammar("int main() {}\n") is None  # no EVOLVE block


def test_llama_cpp_reads_the_grammars() -> None:
    llama_cpp = pytest.importorskip("llama_cpp", reason="unavailable: llama-cpp-python")
    for grammar in (block_grammar(), unit_grammar(LZ)):
        assert grammar is not None
        parsed = llama_cpp.LlamaGrammar.from_string(grammar, verbose=False)
        assert parsed is not None
