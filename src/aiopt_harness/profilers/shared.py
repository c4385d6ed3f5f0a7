"""Helpers the profilers share: source lines of candidate code (addr2line), short
readable C++ symbol names, the tail of a tool's stderr, and reading a profile recorded
elsewhere."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TypeVar

from ..common.artifact_text import artifact_safe
from .driver import run_tool
from .errors import ProfilerOutputError, ToolFailedError
from .section import ProfileSection, unavailable

CANDIDATE_FILE = "candidate.cpp"

Location = tuple[str, int]  # (source file as in the debug info, line; 0 if unknown)

_ADDRESS = re.compile(r"^0x([0-9a-fA-F]+)$")

_LOCATION = re.compile(r"^(.*):(\d+|\?)(?: \(discriminator \d+\))?$")


def _parse_location(line: str) -> Location:
    match = _LOCATION.match(line)
    if match is None:
        raise ProfilerOutputError(f"addr2line: not a FILE:LINE location: {line!r}")
    path, line_number = match.groups()
    return path, 0 if line_number == "?" else int(line_number)


def parse_addr2line(text: str) -> dict[int, tuple[Location, ...]]:
    """Inline chains of ``addr2line -i -a``: per address, its source locations from the
    innermost inlined code out to the enclosing function. Raises ProfilerOutputError on
    malformed text or an address without any location (truncated output)."""
    chains: dict[int, list[Location]] = {}
    current: list[Location] | None = None
    for line in text.splitlines():
        address = _ADDRESS.match(line.strip())
        if address is not None:
            if current is not None and not current:
                raise ProfilerOutputError("addr2line: an address without a location")
            current = chains.setdefault(int(address.group(1), 16), [])
        elif current is None:
            raise ProfilerOutputError(f"addr2line: a location before any address: {line!r}")
        else:
            current.append(_parse_location(line))
    if current is None or not current:
        raise ProfilerOutputError("addr2line: no addresses, or the last has no location")
    return {address: tuple(chain) for address, chain in chains.items()}


def resolve_lines(
    shared_object: Path, addresses: Iterable[int], timeout: float
) -> dict[int, tuple[Location, ...]]:
    """Inline chains of ``addresses`` in ``shared_object``, by one addr2line call."""
    wanted = sorted(set(addresses))
    if not wanted:
        return {}
    command = ["addr2line", "-e", str(shared_object), "-i", "-a", *(f"{a:#x}" for a in wanted)]
    result = run_tool(command, timeout=timeout)
    if result.timed_out or result.returncode != 0:
        raise ToolFailedError(f"addr2line failed: {tail(result.stderr) or 'timed out'}")
    chains = parse_addr2line(result.stdout)
    missing = [address for address in wanted if address not in chains]
    if missing:
        raise ProfilerOutputError(f"addr2line gave no location for {len(missing)} addresses")
    return chains


def candidate_line(chain: Sequence[Location]) -> int | None:
    """The innermost line of candidate.cpp in an inline chain, if any."""
    for path, line in chain:
        if Path(path).name == CANDIDATE_FILE and line > 0:
            return line
    return None


def tail(text: str, lines: int = 6) -> str:
    """The last non-empty lines of a tool's stderr, joined for a reason text."""
    kept = [line.strip() for line in text.splitlines() if line.strip()]
    return " | ".join(kept[-lines:])


def _strip_trailing_group(name: str, opening: str, closing: str) -> str:
    """``name`` without its last balanced ``opening...closing`` group, if it ends with one."""
    if not name.endswith(closing):
        return name
    depth = 0
    for index in range(len(name) - 1, -1, -1):
        depth += {closing: 1, opening: -1}.get(name[index], 0)
        if depth == 0:
            return name[:index] if index > 0 else name
    return name


def _collapse_templates(name: str) -> str:
    """``f<long, args>`` -> ``f<...>`` for every outermost template argument list."""
    out: list[str] = []
    depth = 0
    for char in name:
        if char == "<":
            depth += 1
            if depth == 1:
                out.append("<...>")
            continue
        if char == ">" and depth > 0:
            depth -= 1
            continue
        if depth == 0:
            out.append(char)
    return "".join(out)


def short_symbol(name: str, limit: int = 80) -> str:
    """A demangled symbol made short: no parameters, no template arguments, no long runs."""
    short = name.replace("(anonymous namespace)", "{anon}").removesuffix(" const")
    short = _strip_trailing_group(short, "(", ")")
    if "operator<" not in short and "operator>" not in short:
        short = _collapse_templates(short)
    if len(short) > limit:
        short = "..." + short[-(limit - 3) :]
    return artifact_safe(short)


def demangle(names: list[str]) -> list[str]:
    """C++ names demangled by ``c++filt`` (unchanged when it is missing or fails)."""
    if not names or shutil.which("c++filt") is None:
        return names
    try:
        done = subprocess.run(
            ["c++filt"],
            input="\n".join(names) + "\n",
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return names
    lines = done.stdout.splitlines()
    return lines if len(lines) == len(names) else names


# --- native figures ---------------------------------------------------------------------


Parsed = TypeVar("Parsed")


def read_recorded(
    path: Path, parse: Callable[[str], Parsed], profiler: str, what: str
) -> tuple[Parsed, str] | ProfileSection:
    """A profile recorded elsewhere, parsed, with its artifact-safe file name; or the
    profiler's section saying why it cannot be read."""
    name = artifact_safe(Path(path).name)
    try:
        return parse(Path(path).read_text(errors="replace")), name
    except OSError as error:
        return unavailable(profiler, f"cannot read {name}: {error.strerror}")
    except ProfilerOutputError as error:
        return unavailable(profiler, f"unreadable {what} {name}: {error}")
