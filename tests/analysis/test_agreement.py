"""Multi-label agreement: per-label precision/recall/F1 and Cohen's kappa, micro and macro
F1, mean kappa, each checked against arithmetic done by hand."""

from __future__ import annotations

import json

import pytest

from aiopt_harness.analysis.agreement import agreement, cohen_kappa

LABELS = ("x", "y", "z", "w")
# four cases:          1       2            3            4
REFERENCE = [frozenset("x"), frozenset("xy"), frozenset("y"), frozenset()]
PREDICTED = [frozenset("x"), frozenset("x"), frozenset("xy"), frozenset("z")]


def test_per_label_precision_recall_f1_by_hand() -> None:
    result = agreement(REFERENCE, PREDICTED, LABELS)
    x, y, z, w = (result.label(name) for name in LABELS)
    # x: reference 1 1 0 0, predicted 1 1 1 0 -> tp 2, fp 1, fn 0
    #    precision 2/3, recall 2/2, F1 = 2*2 / (2*2 + 1 + 0) = 4/5
    assert (x.true_positives, x.false_positives, x.false_negatives) == (2, 1, 0)
    assert x.precision == pytest.approx(2 / 3)
    assert x.recall == pytest.approx(1.0)
    assert x.f1 == pytest.approx(0.8)
    # y: reference 0 1 1 0, predicted 0 0 1 0 -> tp 1, fp 0, fn 1
    #    precision 1/1, recall 1/2, F1 = 2 / (2 + 0 + 1) = 2/3
    assert (y.true_positives, y.false_positives, y.false_negatives) == (1, 0, 1)
    assert y.precision == pytest.approx(1.0)
    assert y.recall == pytest.approx(0.5)
    assert y.f1 == pytest.approx(2 / 3)
    # z: only predicted once -> tp 0, fp 1, fn 0: precision 0/1, recall 0/0 undefined, F1 0
    assert z.precision == 0.0
    assert z.recall is None
    assert z.f1 == 0.0
    # w: given by nobody -> nothing defined
    assert (w.precision, w.recall, w.f1) == (None, None, None)


def test_kappa_by_hand() -> None:
    result = agreement(REFERENCE, PREDICTED, LABELS)
    # x: agree on cases 1, 2, 4 -> p_o = 3/4; p_ref = 2/4, p_pred = 3/4
    #    p_e = 0.5 * 0.75 + 0.5 * 0.25 = 0.5; kappa = (0.75 - 0.5) / (1 - 0.5) = 0.5
    assert result.label("x").kappa == pytest.approx(0.5)
    # y: agree on cases 1, 3, 4 -> p_o = 3/4; p_ref = 2/4, p_pred = 1/4
    #    p_e = 0.5 * 0.25 + 0.5 * 0.75 = 0.5; kappa = 0.25 / 0.5 = 0.5
    assert result.label("y").kappa == pytest.approx(0.5)
    # z: the reference never has it (constant), the prediction once: p_o = 3/4,
    #    p_e = 0 * 0.25 + 1 * 0.75 = 0.75; kappa = 0 / 0.25 = 0
    assert result.label("z").kappa == pytest.approx(0.0)
    # w: both raters constant (never) -> undefined
    assert result.label("w").kappa is None
    assert "no case" in result.label("w").kappa_undefined
    # mean over the defined ones (x, y, z): (0.5 + 0.5 + 0) / 3
    assert result.kappa_labels == ("x", "y", "z")
    assert result.mean_kappa == pytest.approx(1 / 3)


def test_micro_macro_exact_by_hand() -> None:
    result = agreement(REFERENCE, PREDICTED, LABELS)
    # micro: tp 2+1+0 = 3, fp 1+0+1 = 2, fn 0+1+0 = 1
    #   precision 3/5, recall 3/4, F1 = 6 / (6 + 2 + 1) = 2/3
    assert result.micro_precision == pytest.approx(3 / 5)
    assert result.micro_recall == pytest.approx(3 / 4)
    assert result.micro_f1 == pytest.approx(2 / 3)
    # macro: over x, y, z (w occurs nowhere): (4/5 + 2/3 + 0) / 3 = 0.48888...
    assert result.macro_labels == ("x", "y", "z")
    assert result.macro_f1 == pytest.approx((0.8 + 2 / 3 + 0.0) / 3)
    # only case 1 has equal label sets
    assert result.exact_match == pytest.approx(0.25)
    assert result.cases == 4


def test_kappa_asymmetric_table_by_hand() -> None:
    # 10 cases: both yes 4, reference only 2, prediction only 1, both no 3
    reference = [True] * 6 + [False] * 4
    predicted = [True] * 4 + [False] * 2 + [True] + [False] * 3
    # p_o = (4 + 3) / 10 = 0.7; p_ref = 0.6, p_pred = 0.5
    # p_e = 0.6 * 0.5 + 0.4 * 0.5 = 0.5; kappa = (0.7 - 0.5) / 0.5 = 0.4
    kappa, reason = cohen_kappa(reference, predicted)
    assert kappa == pytest.approx(0.4)
    assert reason == ""


def test_kappa_undefined_when_both_raters_are_constant() -> None:
    kappa, reason = cohen_kappa([True] * 5, [True] * 5)
    assert kappa is None
    assert "every case" in reason
    kappa, reason = cohen_kappa([False] * 3, [False] * 3)
    assert kappa is None
    assert "no case" in reason
    kappa, reason = cohen_kappa([True] * 3, [False] * 3)
    assert kappa is None
    assert "the other to none" in reason
    # everything undefined: no mean
    result = agreement([frozenset("x")] * 3, [frozenset("x")] * 3, ("x",))
    assert result.mean_kappa is None
    assert result.kappa_labels == ()
    assert result.macro_f1 == 1.0


def test_perfect_agreement() -> None:
    result = agreement(REFERENCE, REFERENCE, LABELS)
    assert result.micro_f1 == 1.0
    assert result.macro_f1 == 1.0
    assert result.mean_kappa == pytest.approx(1.0)
    assert result.exact_match == 1.0


def test_errors() -> None:
    with pytest.raises(ValueError, match="reference label sets"):
        agreement(REFERENCE, PREDICTED[:2], LABELS)
    with pytest.raises(ValueError, match="at least one case"):
        agreement([], [], LABELS)
    with pytest.raises(ValueError, match="outside the label set"):
        agreement([frozenset({"q"})], [frozenset()], LABELS)
    with pytest.raises(ValueError):
        cohen_kappa([], [])


def test_to_dict_is_json() -> None:
    data = agreement(REFERENCE, PREDICTED, LABELS).to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["per_label"][0]["label"] == "x"
    assert data["per_label"][3]["kappa"] is None
