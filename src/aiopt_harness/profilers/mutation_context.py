"""``generate_mutation_context()``: a profile as short, exact text for a mutation prompt.

It reports phenomena (where time, misses, mispredicts and waiting occur, on the
candidate's own line numbers with the quoted source) and never prescribes a change. It
fits a character budget by rank, is deterministic, survives OpenEvolve's artifact filter
(no run of 32+ letters and digits, no ``token=``/``password=``) and says which profilers
were unavailable and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..common.artifact_text import artifact_safe
from ..sandbox.verdict import Status
from .attribution import EvolveBlocks
from .profiling import Profile
from .section import LineHotspot, ProfileSection

SECTION_ORDER = (
    "simulated",
    "sampling",
    "page_faults",
    "causal",
    "causal_bcoz",
    "offcpu",
    "offcpu_bperf",
    "counters",
)
HEADINGS = {
    "simulated": "Simulated cache and branch behaviour per line",
    "sampling": "Sampled time per line",
    "page_faults": "Page faults per line",
    "causal": "Causal profile (what speeding up a line would do to the whole run)",
    "causal_bcoz": "Causal profile including blocked time (BCOZ, from a file)",
    "offcpu": "Off-CPU time of the measuring thread, per line and cause",
    "offcpu_bperf": "Blocked samples (bperf, from a file)",
    "counters": "Hardware and software counters per call",
}
MAX_HOTSPOTS = 5
MAX_NOTES = 4
MAX_FIGURES = 6
MAX_QUOTE = 90


@dataclass(frozen=True)
class MutationContext:
    text: str
    data: dict[str, Any]


def _number(key: str, value: float | int | str) -> str:
    if isinstance(value, str):
        return value
    if any(word in key for word in ("share", "speedup", "rate", "/ wall")):
        return f"{value:.1%}" if abs(value) < 10 else f"{value:g}"
    magnitude = abs(value)
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "K")):
        if magnitude >= limit:
            return f"{value / limit:.3g}{suffix}"
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def _quote(source: str) -> str:
    source = " ".join(source.split())
    return source if len(source) <= MAX_QUOTE else source[: MAX_QUOTE - 3] + "..."


def _hotspot_line(hotspot: LineHotspot, blocks: EvolveBlocks) -> str:
    metrics = ", ".join(f"{key} {_number(key, value)}" for key, value in hotspot.metrics.items())
    where = "" if blocks.inside(hotspot.line) else " (outside the EVOLVE block)"
    return f"  line {hotspot.line}{where} `{_quote(hotspot.source)}`: {metrics}"


# Figures about the harness, not the program: kept in the profile, not put in prompts.
NOT_FOR_PROMPTS = ("containment",)


def _figures_line(section: ProfileSection) -> str | None:
    figures = [(k, v) for k, v in section.figures.items() if k not in NOT_FOR_PROMPTS]
    shown = figures[:MAX_FIGURES]
    if not shown:
        return None
    return "  " + "; ".join(f"{key} {_number(key, value)}" for key, value in shown)


@dataclass(frozen=True)
class _Item:
    priority: tuple[int, int, int]  # (rank tier, section order, position): lower first
    section: str
    text: str


def _section_items(
    order: int, name: str, section: ProfileSection, blocks: EvolveBlocks
) -> list[_Item]:
    """The section's lines as items; the heading travels with the section's top line."""
    lines: list[tuple[int, int, str]] = []  # (rank tier, position, text)
    for rank, hotspot in enumerate(section.hotspots[:MAX_HOTSPOTS]):
        lines.append((rank, rank, _hotspot_line(hotspot, blocks)))
    for rank, note in enumerate(section.notes[:MAX_NOTES]):
        lines.append((rank, 100 + rank, f"  {note}"))
    figures = _figures_line(section)
    if figures is not None:
        lines.append((2, 200, figures))
    lines.sort()
    heading = f"{HEADINGS.get(name, name)} [{section.label}]"
    if not lines:
        return [_Item((1, order, 0), name, heading)]
    _, first_position, first_text = lines[0]
    items = [_Item((1, order, first_position), name, f"{heading}\n{first_text}")]
    items += [_Item((2 + tier, order, position), name, text) for tier, position, text in lines[1:]]
    return items


def _time_line(measurement: dict[str, Any]) -> str:
    time_ns = measurement.get("time_ns")
    if not time_ns:
        return "Per aiopt_run call: no timing."
    return (
        f"Per aiopt_run call: median {time_ns['median'] / 1e6:.3f} ms, min "
        f"{time_ns['min'] / 1e6:.3f} ms ({time_ns['n']} calls)."
    )


def generate_mutation_context(profile: Profile, max_chars: int = 4000) -> MutationContext:
    """The profile as text of at most ``max_chars`` characters, plus the same as a dict."""
    header = [
        "Runtime profile of this program on the task's input. It shows where time, cache "
        "misses, mispredicts and waiting occur; line numbers are this program's own.",
    ]
    if profile.status is not Status.OK:
        header.append(f"The program was not profiled: {profile.status.value}: {profile.message}")
    else:
        header.append(_time_line(profile.measurement))
    unavailable = {
        name: section.reason for name, section in profile.sections.items() if not section.available
    }
    footer = [f"Unavailable: {name}: {reason}" for name, reason in unavailable.items()]

    available = [(name, section) for name, section in profile.sections.items() if section.available]
    available.sort(
        key=lambda pair: (
            SECTION_ORDER.index(pair[0]) if pair[0] in SECTION_ORDER else len(SECTION_ORDER)
        )
    )
    blocks = EvolveBlocks.of(profile.source_lines)
    items = [
        item
        for order, (name, section) in enumerate(available)
        for item in _section_items(order, name, section, blocks)
    ]
    remaining = max_chars - sum(len(artifact_safe(line)) + 1 for line in header + footer)
    chosen: set[_Item] = set()
    closed: set[str] = set()  # sections that may take nothing more (ranks stay contiguous)
    for item in sorted(items, key=lambda i: i.priority):
        cost = len(artifact_safe(item.text)) + 1
        if item.section in closed:
            continue
        if cost > remaining:
            closed.add(item.section)
            continue
        chosen.add(item)
        remaining -= cost
    body = [
        item.text
        for item in sorted(items, key=lambda i: (i.priority[1], i.priority[2]))
        if item in chosen
    ]
    lines = [artifact_safe(line) for line in header + body + footer]
    text = "\n".join(lines)
    if len(text) > max_chars:  # only when header and footer alone exceed the budget
        text = text[: max_chars - 4] + " ..."
    data = {
        "status": profile.status.value,
        "time_ns": profile.measurement.get("time_ns"),
        "sections": {
            name: {
                "label": section.label,
                "hotspots": [h.to_dict() for h in section.hotspots[:MAX_HOTSPOTS]],
                "figures": dict(section.figures),
                "notes": list(section.notes),
            }
            for name, section in available
        },
        "unavailable": unavailable,
        "omitted_items": len(items) - len(chosen),
    }
    return MutationContext(text, data)
