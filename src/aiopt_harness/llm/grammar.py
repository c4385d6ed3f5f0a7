"""GBNF grammars (llama.cpp's constrained decoding) for the answers the loop asks for.

llama-cpp-python's server takes a ``grammar`` string per chat-completion request; a
token that would leave the grammar is never sampled. Two answer forms, each exactly one
change and nothing else:

- :func:`block_grammar`: one ```cpp block from ``// EVOLVE-BLOCK-START`` to
  ``// EVOLVE-BLOCK-END`` (the whole region rewritten), its first line a comment naming
  the idea;
- :func:`unit_grammar`: one SEARCH/REPLACE pair whose SEARCH text is one whole unit of
  the region (a function, a type, a declaration: :func:`top_level_units`), copied
  exactly, so it always matches; the REPLACE text starts with a comment naming the idea.

Lines of the free text exclude the markers the parsers look for (a second fence, an
EVOLVE-BLOCK marker, a SEARCH/REPLACE delimiter), so the answer cannot hold a second
change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

BLOCK_START = "// EVOLVE-BLOCK-START"
BLOCK_END = "// EVOLVE-BLOCK-END"
IDEA_PREFIX = "// Idea: "
FENCE = "```"
SEARCH = "<<<<<<< SEARCH"
DIVIDER = "======="
REPLACE = ">>>>>>> REPLACE"
# A free line of an answer never starts with one of these (at column 0).
BLOCK_FORBIDDEN = (FENCE, "// EVOLVE-BLOCK")
UNIT_FORBIDDEN = (FENCE, "// EVOLVE-BLOCK", "<<<<<<<", "=======", ">>>>>>>")


def literal(text: str) -> str:
    """``text`` as a GBNF string literal (every character outside [A-Za-z0-9 ] escaped)."""
    return '"' + "".join(_escaped(char) for char in text) + '"'


def _escaped(char: str) -> str:
    code = ord(char)
    if char.isascii() and (char.isalnum() or char == " "):
        return char
    if code < 0x80:
        return f"\\x{code:02X}"
    return f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}"


def _char_class_without(chars: set[str]) -> str:
    """``[^...]``: any character but a newline and ``chars``."""
    return "[^" + "".join(_escaped(char) for char in sorted(chars | {"\n"})) + "]"


@dataclass
class _Trie:
    children: dict[str, _Trie] = field(default_factory=dict)
    end: bool = False  # a forbidden prefix ends here


def free_line_rules(name: str, forbidden: tuple[str, ...]) -> list[str]:
    """Rules defining ``name``: one line (ending in a newline) that does not start with
    any of ``forbidden``. A trie of the prefixes: at each node the line may end, go on
    with a character that leaves the trie (then anything), or follow a branch that does
    not complete a forbidden prefix."""
    root = _Trie()
    for prefix in forbidden:
        node = root
        for char in prefix:
            node = node.children.setdefault(char, _Trie())
        node.end = True
    rules = [f'{name}-rest ::= [^\\x0A]* "\\n"']

    def node_rule(rule: str, node: _Trie) -> None:
        alternatives = ['"\\n"', f"{_char_class_without(set(node.children))} {name}-rest"]
        for index, (char, child) in enumerate(sorted(node.children.items())):
            if child.end:
                continue  # the line would start with a forbidden prefix
            child_rule = f"{rule}-{index}"
            alternatives.append(f"{literal(char)} {child_rule}")
            node_rule(child_rule, child)
        rules.append(f"{rule} ::= " + " | ".join(alternatives))

    node_rule(name, root)
    return rules


def block_grammar() -> str:
    """Exactly one ```cpp block holding the whole EVOLVE block and nothing else."""
    opening = literal(f"{FENCE}cpp\n{BLOCK_START}\n{IDEA_PREFIX}")
    closing = literal(f"{BLOCK_END}\n{FENCE}")
    rules = [
        f'root ::= {opening} idea "\\n" line* {closing}',
        "idea ::= [^\\x0A]+",
        *free_line_rules("line", BLOCK_FORBIDDEN),
    ]
    return "\n".join(rules) + "\n"


def region_lines(program: str) -> list[str] | None:
    """The lines strictly between the EVOLVE-BLOCK markers (None: no well-formed block)."""
    lines = program.split("\n")
    starts = [i for i, line in enumerate(lines) if line.strip() == BLOCK_START]
    ends = [i for i, line in enumerate(lines) if line.strip() == BLOCK_END]
    if len(starts) != 1 or len(ends) != 1 or ends[0] <= starts[0]:
        return None
    return lines[starts[0] + 1 : ends[0]]


def _code_part(line: str) -> str:
    """The line without its ``//`` comment (one inside a string or character stays)."""
    quote, index = "", 0
    while index < len(line):
        char = line[index]
        if quote:
            if char == "\\":
                index += 1
            elif char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif line.startswith("//", index):
            return line[:index]
        index += 1
    return line


def _brace_delta(code: str) -> int:
    """Braces opened minus closed (string and character literals dropped first)."""
    bare = re.sub(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'', "", code)
    return bare.count("{") - bare.count("}")


def top_level_units(lines: list[str]) -> list[str]:
    """The region cut into whole top-level units: a function, a type or a declaration
    with the comment lines right above it, each ending on the line where the braces
    close (a ``;`` or ``}`` at depth 0). Blank lines between units belong to none.
    Each unit is returned as its lines joined, with a final newline."""
    units: list[str] = []
    current: list[str] = []
    depth = 0
    for line in lines:
        if depth == 0 and not current and not line.strip():
            continue
        current.append(line)
        code = _code_part(line).strip()
        depth += _brace_delta(code)
        if depth <= 0 and code.endswith((";", "}")):
            units.append("\n".join(current) + "\n")
            current, depth = [], 0
    return units


def unit_grammar(program: str) -> str | None:
    """Exactly one SEARCH/REPLACE pair whose SEARCH text is one whole unit of the
    program's EVOLVE block (None: no block, or no unit in it)."""
    lines = region_lines(program)
    units = top_level_units(lines) if lines is not None else []
    if not units:
        return None
    rules = [
        f"root ::= {literal(SEARCH + chr(10))} unit {literal(DIVIDER + chr(10) + IDEA_PREFIX)} "
        f'idea "\\n" line* {literal(REPLACE)}',
        "idea ::= [^\\x0A]+",
        "unit ::= " + " | ".join(literal(unit) for unit in units),
        *free_line_rules("line", UNIT_FORBIDDEN),
    ]
    return "\n".join(rules) + "\n"
