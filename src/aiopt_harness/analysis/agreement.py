"""Multi-label agreement of a labeller with reference labels: per-label precision, recall,
F1 and Cohen's kappa, micro and macro F1, mean kappa.

Every case carries a set of labels from each rater (reference and prediction). Per label,
each case is a binary presence decision: true positive (both have it), false positive
(only the prediction), false negative (only the reference).

- precision = tp / (tp + fp), None when the label is never predicted;
  recall = tp / (tp + fn), None when the reference never has it;
  F1 = 2 tp / (2 tp + fp + fn), None when neither rater ever gives the label.
- micro: the same three over the summed tp, fp, fn of all labels.
- macro F1: the unweighted mean of the per-label F1 over the labels that occur in the
  reference or the prediction (those whose F1 is defined); labels nobody gives are left
  out rather than counted as 0 or 1.
- Cohen's kappa per label: (p_o - p_e) / (1 - p_e) over the binary presence, with p_o the
  fraction of cases where the raters agree and p_e = p_r p_p + (1 - p_r)(1 - p_p) from
  the two raters' rates. It is undefined (None, with the reason) when both raters are
  constant for the label (each gives it to every case or to none): chance agreement then
  explains everything or the statistic has no variance to measure.
- mean kappa: the mean over the labels where kappa is defined (None if there are none).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from .taxonomy import ALL_LABELS


@dataclass(frozen=True)
class LabelAgreement:
    """Agreement on one label over all cases."""

    label: str
    reference_count: int  # cases whose reference has the label
    predicted_count: int  # cases whose prediction has the label
    true_positives: int
    false_positives: int
    false_negatives: int
    precision: float | None
    recall: float | None
    f1: float | None
    kappa: float | None
    kappa_undefined: str  # why kappa is None; empty when it is defined

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Agreement:
    """Agreement of a labeller with the reference over ``cases`` cases."""

    cases: int
    per_label: tuple[LabelAgreement, ...]
    micro_precision: float | None
    micro_recall: float | None
    micro_f1: float | None
    macro_f1: float | None
    macro_labels: tuple[str, ...]  # the labels macro F1 averages over
    mean_kappa: float | None
    kappa_labels: tuple[str, ...]  # the labels mean kappa averages over
    exact_match: float  # fraction of cases whose two label sets are equal

    def label(self, name: str) -> LabelAgreement:
        """The per-label agreement of ``name``."""
        for entry in self.per_label:
            if entry.label == name:
                return entry
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "cases": self.cases,
            "micro_precision": self.micro_precision,
            "micro_recall": self.micro_recall,
            "micro_f1": self.micro_f1,
            "macro_f1": self.macro_f1,
            "macro_labels": list(self.macro_labels),
            "mean_kappa": self.mean_kappa,
            "kappa_labels": list(self.kappa_labels),
            "exact_match": self.exact_match,
            "per_label": [entry.to_dict() for entry in self.per_label],
        }


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def _f1(tp: int, fp: int, fn: int) -> float | None:
    return _ratio(2 * tp, 2 * tp + fp + fn)


def cohen_kappa(reference: Sequence[bool], predicted: Sequence[bool]) -> tuple[float | None, str]:
    """Cohen's kappa of two binary raters over the same cases, and why it is undefined
    (an empty reason when it is defined)."""
    if len(reference) != len(predicted) or not reference:
        raise ValueError("kappa needs two equally long, non-empty sequences of decisions")
    n = len(reference)
    p_reference = sum(reference) / n
    p_predicted = sum(predicted) / n
    if p_reference in (0.0, 1.0) and p_predicted in (0.0, 1.0):
        if p_reference == p_predicted:
            state = "every case" if p_reference == 1.0 else "no case"
            return None, f"both raters give the label to {state}"
        return None, "one rater gives the label to every case, the other to none"
    observed = sum(r == p for r, p in zip(reference, predicted, strict=True)) / n
    expected = p_reference * p_predicted + (1 - p_reference) * (1 - p_predicted)
    return (observed - expected) / (1 - expected), ""


def _label_agreement(
    label: str, reference: Sequence[frozenset[str]], predicted: Sequence[frozenset[str]]
) -> LabelAgreement:
    has_reference = [label in labels for labels in reference]
    has_predicted = [label in labels for labels in predicted]
    pairs = list(zip(has_reference, has_predicted, strict=True))
    tp = sum(r and p for r, p in pairs)
    fp = sum(p and not r for r, p in pairs)
    fn = sum(r and not p for r, p in pairs)
    kappa, undefined = cohen_kappa(has_reference, has_predicted)
    return LabelAgreement(
        label=label,
        reference_count=sum(has_reference),
        predicted_count=sum(has_predicted),
        true_positives=tp,
        false_positives=fp,
        false_negatives=fn,
        precision=_ratio(tp, tp + fp),
        recall=_ratio(tp, tp + fn),
        f1=_f1(tp, fp, fn),
        kappa=kappa,
        kappa_undefined=undefined,
    )


def agreement(
    reference: Sequence[frozenset[str]],
    predicted: Sequence[frozenset[str]],
    labels: Sequence[str] = ALL_LABELS,
) -> Agreement:
    """The agreement of ``predicted`` with ``reference`` (one label set per case, in the
    same order) over ``labels``; a label outside ``labels`` is an error."""
    if len(reference) != len(predicted):
        raise ValueError(f"{len(reference)} reference label sets, {len(predicted)} predicted")
    if not reference:
        raise ValueError("agreement needs at least one case")
    unknown = set().union(*reference, *predicted) - set(labels)
    if unknown:
        raise ValueError(f"labels outside the label set: {sorted(unknown)}")
    per_label = tuple(_label_agreement(label, reference, predicted) for label in labels)
    tp = sum(entry.true_positives for entry in per_label)
    fp = sum(entry.false_positives for entry in per_label)
    fn = sum(entry.false_negatives for entry in per_label)
    scored = [entry for entry in per_label if entry.f1 is not None]
    with_kappa = [entry for entry in per_label if entry.kappa is not None]
    exact = sum(r == p for r, p in zip(reference, predicted, strict=True))
    return Agreement(
        cases=len(reference),
        per_label=per_label,
        micro_precision=_ratio(tp, tp + fp),
        micro_recall=_ratio(tp, tp + fn),
        micro_f1=_f1(tp, fp, fn),
        macro_f1=(
            sum(entry.f1 for entry in scored if entry.f1 is not None) / len(scored)
            if scored
            else None
        ),
        macro_labels=tuple(entry.label for entry in scored),
        mean_kappa=(
            sum(entry.kappa for entry in with_kappa if entry.kappa is not None) / len(with_kappa)
            if with_kappa
            else None
        ),
        kappa_labels=tuple(entry.label for entry in with_kappa),
        exact_match=exact / len(reference),
    )
