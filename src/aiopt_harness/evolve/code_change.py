"""Whether a child program really differs from its parent: compared as C++ tokens, so
that a copy with other comments, blank lines or indentation is no change."""

from __future__ import annotations

import re

# String and character literals first (so that "//" inside a string is no comment), then
# comments, then runs of whitespace.
_LEXEME = re.compile(
    r'"(?:\\.|[^"\\\n])*"'
    r"|'(?:\\.|[^'\\\n])*'"
    r"|(?P<comment>//[^\n]*|/\*.*?\*/)"
    r"|(?P<space>\s+)",
    re.DOTALL,
)


def normalized_code(source: str) -> str:
    """``source`` without comments, with every run of whitespace and comments made one
    space (string and character literals kept exactly)."""
    pieces: list[str] = []
    position = 0
    for match in _LEXEME.finditer(source):
        if match.start() > position:
            pieces.append(source[position : match.start()])
        position = match.end()
        blank = match.group("comment") is not None or match.group("space") is not None
        if not blank:
            pieces.append(match.group(0))
        elif pieces and pieces[-1] != " ":
            pieces.append(" ")
    pieces.append(source[position:])
    return "".join(pieces).strip()


def differs(parent: str, child: str) -> bool:
    """Whether ``child`` changes ``parent`` beyond comments and whitespace."""
    return normalized_code(parent) != normalized_code(child)
