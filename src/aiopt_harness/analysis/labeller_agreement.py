"""How well a labeller reproduces the labelled set: it labels every case's diff and the
result is scored against the reference labels (agreement.agreement)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .agreement import Agreement, agreement
from .labelled_set import LabelledDiff


def labeller_agreement(
    labeller: Callable[[str], frozenset[str]], cases: Iterable[LabelledDiff]
) -> Agreement:
    """The agreement of ``labeller`` (diff -> labels) with the reference labels of
    ``cases``, e.g. ``labeller_agreement(rule_labels, load_labelled_set())``."""
    chosen = list(cases)
    predicted = [frozenset(labeller(case.diff)) for case in chosen]
    return agreement([case.labels for case in chosen], predicted)
