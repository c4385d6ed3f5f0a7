"""A change counts only if the C++ tokens differ: comments and whitespace are no change."""

import pytest

from aiopt_harness.evolve.code_change import differs, normalized_code


@pytest.mark.parametrize(
    ("parent", "child"),
    [
        ("int a = 1;", "int  a = 1;  // the same"),
        ("int a = 1;\n", "/* a comment */\nint a = 1;\n\n"),
        ("f(x);\n  g(y);", "f(x); g(y);"),
    ],
)
def test_comments_and_whitespace_are_no_change(parent: str, child: str) -> None:
    assert not differs(parent, child)


@pytest.mark.parametrize(
    ("parent", "child"),
    [
        ("int a = 1;", "int a = 2;"),
        ('const char* s = "a  b";', 'const char* s = "a b";'),  # literals kept exactly
        ('const char* s = "// x";', 'const char* s = "";'),  # "//" in a string is no comment
        ("a+b;", "a-b;"),
    ],
)
def test_token_changes_are_changes(parent: str, child: str) -> None:
    assert differs(parent, child)


def test_normalized_code_keeps_literals_and_drops_comments() -> None:
    text = "int a; // x\n  /* y */ int  b = \"//  s\"; char c = '/';"
    assert normalized_code(text) == "int a; int b = \"//  s\"; char c = '/';"
