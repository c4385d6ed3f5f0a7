"""Which sandbox layers a process running candidate code had, as it reported them.

Every such process (the worker, the profilers' driver, the tool launcher) writes one
``layer=state`` line per layer to a report file before any candidate code runs
(src/cpp/sandbox.h): ``no_new_privs``, ``capabilities``, ``landlock``, ``seccomp``. A state
starting with ``unavailable:`` is a missing layer and says why. The report is opened
before the sandbox, outside the directory the candidate may write, so it cannot be
rewritten by the candidate afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

LAYERS = ("no_new_privs", "capabilities", "landlock", "seccomp")
UNAVAILABLE = "unavailable: "


@dataclass(frozen=True)
class Containment:
    """The layers one or more processes reported; ``full`` when every one was active."""

    layers: dict[str, str] = field(default_factory=dict)
    problems: tuple[str, ...] = ()  # e.g. "no report from aiopt-worker"

    @property
    def full(self) -> bool:
        return (
            not self.problems
            and all(not state.startswith(UNAVAILABLE) for state in self.layers.values())
            and all(layer in self.layers for layer in LAYERS)
        )

    def missing(self) -> list[str]:
        """``layer: reason`` for every layer that was not active."""
        out = [
            f"{name}: {state.removeprefix(UNAVAILABLE)}"
            for name, state in self.layers.items()
            if state.startswith(UNAVAILABLE)
        ]
        out += [f"{name}: not reported" for name in LAYERS if name not in self.layers]
        return [*self.problems, *out]

    def summary(self) -> str:
        """``full`` or ``partial (landlock: landlock_create_ruleset: ENOSYS)``."""
        return "full" if self.full else f"partial ({'; '.join(self.missing())})"

    def to_dict(self) -> dict[str, object]:
        return {"summary": self.summary(), "full": self.full, "layers": dict(self.layers)}

    def combined(self, other: Containment, prefix: str = "") -> Containment:
        """Both reports; for a layer both have, the weaker state wins."""
        layers = dict(self.layers)
        for name, state in other.layers.items():
            key = f"{prefix}{name}"
            if key not in layers or state.startswith(UNAVAILABLE):
                layers[key] = state
        return Containment(layers, (*self.problems, *other.problems))


def parse_report(text: str) -> dict[str, str]:
    layers: dict[str, str] = {}
    for line in text.splitlines():
        name, equals, state = line.partition("=")
        if equals and name.strip():
            layers[name.strip()] = state.strip()
    return layers


def read_report(path: Path, who: str) -> Containment:
    """The report at ``path``; a missing or empty one is itself a problem."""
    try:
        layers = parse_report(path.read_text(errors="replace"))
    except OSError:
        layers = {}
    if not layers:
        return Containment({}, (f"no sandbox report from {who}",))
    return Containment(layers)
