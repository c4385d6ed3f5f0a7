"""The README is a front door and docs/ holds the reference: the README stays short and
starts with its two commands, and every relative link in README.md and docs/*.md points
to a file that exists (and to a heading that exists, when it names one).

Headings are matched by GitHub's anchors: the heading's text without Markdown code
marks, lower-cased, punctuation other than ``-`` and ``_`` dropped, spaces turned into
``-``, and ``-1``, ``-2``, ... appended to repeats.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
PAGES = [README, *sorted(DOCS.glob("*.md"))]
MAX_README_LINES = 300

FENCE = re.compile(r"^\s*(```|~~~)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
# [text](target) and ![alt](target); the target ends at a space (a title) or ")"
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
# a code span closes with a run of as many backticks as opened it (it may wrap)
INLINE_CODE = re.compile(r"(`+).*?(?<!`)\1(?!`)", re.DOTALL)


def prose(text: str) -> str:
    """The text outside fenced code blocks, inline code spans (which may wrap) blanked."""
    lines, fenced = [], False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
            lines.append("")
            continue
        lines.append("" if fenced else line)
    return INLINE_CODE.sub("``", "\n".join(lines))


def slug(heading: str) -> str:
    text = heading.replace("`", "").strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    found: set[str] = set()
    counts: dict[str, int] = {}
    fenced = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line):
            fenced = not fenced
            continue
        match = None if fenced else HEADING.match(line)
        if match:
            base = slug(match.group(2))
            n = counts.get(base, 0)
            counts[base] = n + 1
            found.add(base if n == 0 else f"{base}-{n}")
    return found


def relative_links(path: Path) -> list[str]:
    links = []
    for target in LINK.findall(prose(path.read_text(encoding="utf-8"))):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):
            continue  # http:, https:, mailto:
        links.append(target)
    return links


def test_readme_is_short() -> None:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= MAX_README_LINES, f"README.md has {len(lines)} lines"


def test_readme_starts_with_the_two_commands() -> None:
    """The title, the introduction, then the two ```sh blocks before any other block
    or section: the install-and-demo command, then the tests."""
    lines = README.read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# ")
    blocks: list[list[str]] = []
    current: list[str] | None = None
    for line in lines[1:]:
        if current is None:
            if line.startswith("## "):
                break
            if line.startswith("```"):
                assert line == "```sh", f"the first blocks must be ```sh, found {line!r}"
                current = []
        elif line.startswith("```"):
            blocks.append(current)
            current = None
            if len(blocks) == 2:
                break
        else:
            current.append(line)
    assert len(blocks) == 2, "README.md must start with two ```sh blocks"
    install, tests = (" ".join(block) for block in blocks)
    assert "aiopt experiment run" in install and "aiopt analyze" in install
    assert "pytest" in tests


def test_docs_pages_exist() -> None:
    names = {page.name for page in DOCS.glob("*.md")}
    for required in (
        "statistics.md",
        "sandbox.md",
        "profiling.md",
        "experiment.md",
        "analysis.md",
        "benchmarks.md",
        "layout.md",
    ):
        assert required in names, f"docs/{required} is missing"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page: Path) -> None:
    broken = []
    for target in relative_links(page):
        file_part, _, anchor = target.partition("#")
        destination = (page.parent / unquote(file_part)).resolve() if file_part else page
        if not destination.exists():
            broken.append(f"{target}: no such file")
            continue
        if anchor and destination.suffix == ".md" and anchor not in anchors(destination):
            broken.append(f"{target}: no heading #{anchor} in {destination.name}")
    assert not broken, f"{page.relative_to(ROOT)}: " + "; ".join(broken)


def test_readme_links_every_docs_page() -> None:
    linked = {Path(target.partition("#")[0]).name for target in relative_links(README)}
    missing = sorted(page.name for page in DOCS.glob("*.md") if page.name not in linked)
    assert not missing, f"README.md does not link {missing}"


def test_docs_link_back_to_the_readme() -> None:
    for page in DOCS.glob("*.md"):
        assert "../README.md" in relative_links(page), f"{page.name} has no link back"


def test_layout_names_every_subpackage() -> None:
    """docs/layout.md's map lists every directory of the package (analysis/ was missing
    once)."""
    text = (DOCS / "layout.md").read_text(encoding="utf-8")
    package = ROOT / "src" / "aiopt_harness"
    subpackages = sorted(
        d.name for d in package.iterdir() if d.is_dir() and not d.name.startswith(("_", "."))
    )
    missing = [name for name in subpackages if f"  {name}/" not in text]
    assert not missing, f"docs/layout.md does not list {missing}"


def test_slug_matches_github() -> None:
    assert slug("Honest fitness: the sandboxed run") == "honest-fitness-the-sandboxed-run"
    assert slug("Analysis: `aiopt analyze`") == "analysis-aiopt-analyze"
    assert slug("The task suite's profiles") == "the-task-suites-profiles"
    assert slug("Measured: is the score valid?") == "measured-is-the-score-valid"
