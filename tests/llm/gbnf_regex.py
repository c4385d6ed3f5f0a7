"""A Python regular expression equivalent to a GBNF grammar without recursion (the subset
``llm/grammar.py`` writes: string literals, ``[^...]`` classes, rule references, ``|``,
and the postfix operators ``* + ?``), so that tests can say which texts a grammar
accepts without a model."""

from __future__ import annotations

import re

_TOKEN = re.compile(
    r'\s*(?:("(?:\\.|[^"\\])*")|(\[\^(?:\\.|[^\]\\])*\])|([A-Za-z0-9-]+)|(\|)|([*+?]))'
)


def _unescape(body: str) -> str:
    out, index = [], 0
    while index < len(body):
        char = body[index]
        if char != "\\":
            out.append(char)
            index += 1
            continue
        kind = body[index + 1]
        if kind in "xuU":
            width = {"x": 2, "u": 4, "U": 8}[kind]
            out.append(chr(int(body[index + 2 : index + 2 + width], 16)))
            index += 2 + width
        else:
            out.append({"n": "\n", "t": "\t", "r": "\r"}.get(kind, kind))
            index += 2
    return "".join(out)


def _rules(grammar: str) -> dict[str, str]:
    rules = {}
    for line in grammar.splitlines():
        if line.strip():
            name, _, body = line.partition("::=")
            rules[name.strip()] = body.strip()
    return rules


def to_regex(grammar: str) -> str:
    rules = _rules(grammar)

    def expand(name: str, depth: int = 0) -> str:
        assert depth < 200, "recursive grammar"
        body, position, alternatives, current = rules[name], 0, [], ""
        while position < len(body):
            match = _TOKEN.match(body, position)
            assert match is not None, f"cannot read {body[position:]!r}"
            position = match.end()
            literal, klass, reference, bar, postfix = match.groups()
            if literal is not None:
                current += "(?:" + re.escape(_unescape(literal[1:-1])) + ")"
            elif klass is not None:
                chars = _unescape(klass[2:-1])
                current += "[^" + "".join(re.escape(c) for c in chars) + "]"
            elif reference is not None:
                current += "(?:" + expand(reference, depth + 1) + ")"
            elif bar is not None:
                alternatives.append(current)
                current = ""
            else:
                current += postfix
        alternatives.append(current)
        return "|".join(alternatives)

    return expand("root")


def accepts(grammar: str, text: str) -> bool:
    return re.fullmatch(to_regex(grammar), text, re.DOTALL) is not None
