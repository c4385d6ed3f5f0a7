"""The labelled set of mutation diffs that labellers are scored against.

``labelled_diffs/labelled_diffs.json`` (shipped inside the package) holds cases over the
seven tasks, each a parent and a child EVOLVE-block body with its reference labels and a
one-sentence reason: every task's initial program against its known-better and its
broken variant (the fixtures' comments that name a variant as known-better or broken
are left out: a mutation would not write them), and small hand-written mutations of the
initial programs. A broken child is labelled by what its edit does (the optimization it
attempts); its ``why`` says that the edit introduces a bug. Only a change that corrects
the parent's wrong behaviour is ``bug_fix``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

from .taxonomy import ALL_LABELS, mutation_diff

RESOURCE = ("labelled_diffs", "labelled_diffs.json")


@dataclass(frozen=True)
class LabelledDiff:
    """One labelled mutation: ``parent`` -> ``child`` of ``task``, its reference
    ``labels`` (a subset of ALL_LABELS) and ``why`` they apply."""

    id: str
    task: str
    parent: str
    child: str
    labels: frozenset[str]
    why: str

    @property
    def diff(self) -> str:
        """The unified diff of parent and child (taxonomy.mutation_diff)."""
        return mutation_diff(self.parent, self.child)


def _case(entry: Any) -> LabelledDiff:
    if not isinstance(entry, dict):
        raise ValueError(f"a labelled case is not an object: {entry!r:.80}")
    fields = ("id", "task", "parent", "child", "why")
    if not all(isinstance(entry.get(name), str) for name in fields):
        raise ValueError(f"case {entry.get('id')!r}: {', '.join(fields)} must be strings")
    labels = entry.get("labels")
    if not isinstance(labels, list) or not all(isinstance(label, str) for label in labels):
        raise ValueError(f"case {entry['id']!r}: labels must be a list of strings")
    unknown = sorted(set(labels) - set(ALL_LABELS))
    if unknown:
        raise ValueError(f"case {entry['id']!r}: unknown labels {unknown}")
    return LabelledDiff(
        id=entry["id"],
        task=entry["task"],
        parent=entry["parent"],
        child=entry["child"],
        labels=frozenset(labels),
        why=entry["why"],
    )


def load_labelled_set() -> list[LabelledDiff]:
    """The labelled cases, in file order (read through importlib.resources)."""
    resource = resources.files(__package__).joinpath(*RESOURCE)
    entries = json.loads(resource.read_text(encoding="utf-8"))
    if not isinstance(entries, list):
        raise ValueError(f"{'/'.join(RESOURCE)} does not hold a list of cases")
    cases = [_case(entry) for entry in entries]
    ids = [case.id for case in cases]
    if len(ids) != len(set(ids)):
        raise ValueError(f"{'/'.join(RESOURCE)} has duplicate case ids")
    return cases
