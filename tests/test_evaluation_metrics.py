"""Metric functions against hand-checked examples and scikit-learn; bootstrap and paired differences."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

from classifier.schema import STANCES, TONES
from evaluation import metrics as M

K = len(STANCES)


def _onehot(rows: list[list[int]]) -> np.ndarray:
    out = np.zeros((len(rows), K), dtype=int)
    for i, labels in enumerate(rows):
        out[i, labels] = 1
    return out


def test_hand_checked_example():
    # statement 1: gold {0, 3}, predicted {0}      -> tp0, fn3
    # statement 2: gold {1},    predicted {1, 2}   -> tp1, fp2
    # statement 3: gold {7},    predicted {3}      -> fp3, fn7
    gold = _onehot([[0, 3], [1], [7]])
    pred = _onehot([[0], [1, 2], [3]])
    scores = np.full((3, K), 0.1)
    scores[0, 0], scores[1, 1], scores[2, 3] = 0.9, 0.8, 0.7  # top-scored: 0, 1, 3
    tone_gold, tone_pred = np.array([0, 1, 2]), np.array([0, 1, 1])
    out = M.summarise(
        gold, pred, scores, tone_gold, tone_pred, primary_gold=np.array([3, 1, 7]), primary_pred=np.array([0, 1, 3])
    )
    # micro: tp=2, fp=2, fn=2 -> 2*2 / (4 + 4) = 0.5
    assert out["stance"]["micro_f1"] == pytest.approx(0.5)
    # per-statement F1: 2/3, 2/3, 0 -> mean 4/9
    assert out["stance"]["samples_f1"] == pytest.approx(4 / 9)
    # macro over gold-present labels 0, 1, 3, 7: F1 = 1, 1, 0, 0
    assert out["stance"]["macro_f1"] == pytest.approx(0.5)
    # top-scored label among gold: yes, yes, no
    assert out["primary_stance_accuracy"] == pytest.approx(2 / 3)
    # predicted primary equals gold primary only on statement 2
    assert out["primary_stance_exact"] == pytest.approx(1 / 3)
    assert out["tone"]["accuracy"] == pytest.approx(2 / 3)
    # tone F1: label 0 = 1, label 1 = 2/3 (tp1 fp1), label 2 = 0; macro over gold-present 0, 1, 2
    assert out["tone"]["macro_f1"] == pytest.approx((1 + 2 / 3 + 0) / 3)
    assert out["stance"]["per_label"]["condemnation"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert out["tone"]["confusion_matrix"]["rows_gold_cols_predicted"][2][1] == 1


def test_summarise_keeps_its_contract_without_primary_indices():
    gold = _onehot([[0], [1]])
    out = M.summarise(gold, gold, gold.astype(float), np.array([0, 1]), np.array([0, 1]))
    assert set(out) == {"n", "stance", "tone", "primary_stance_accuracy"}
    assert set(out["stance"]) == {"micro_f1", "macro_f1", "samples_f1", "per_label"}
    assert set(out["tone"]) == {"accuracy", "macro_f1", "per_label", "confusion_matrix"}


@st.composite
def _multilabel(draw):
    n = draw(st.integers(2, 25))
    gold = np.array(draw(st.lists(st.lists(st.integers(0, 1), min_size=K, max_size=K), min_size=n, max_size=n)))
    pred = np.array(draw(st.lists(st.lists(st.integers(0, 1), min_size=K, max_size=K), min_size=n, max_size=n)))
    gold[gold.sum(1) == 0, 7] = 1  # every statement has at least one gold stance, as the schema requires
    tone_gold = np.array(draw(st.lists(st.integers(0, len(TONES) - 1), min_size=n, max_size=n)))
    tone_pred = np.array(draw(st.lists(st.integers(0, len(TONES) - 1), min_size=n, max_size=n)))
    return gold, pred, tone_gold, tone_pred


@settings(max_examples=60, deadline=None)
@given(_multilabel())
def test_agrees_with_scikit_learn(data):
    gold, pred, tone_gold, tone_pred = data
    scores = np.random.default_rng(0).random(gold.shape)
    out = M.summarise(gold, pred, scores, tone_gold, tone_pred)
    present = [j for j in range(K) if gold[:, j].any()]
    assert out["stance"]["micro_f1"] == pytest.approx(f1_score(gold, pred, average="micro", zero_division=0))
    assert out["stance"]["samples_f1"] == pytest.approx(f1_score(gold, pred, average="samples", zero_division=0))
    assert out["stance"]["macro_f1"] == pytest.approx(
        f1_score(gold, pred, average="macro", labels=present, zero_division=0)
    )
    p, r, f, s = precision_recall_fscore_support(gold, pred, average=None, zero_division=0)
    for j, label in enumerate(STANCES):
        row = out["stance"]["per_label"][label]
        assert (row["precision"], row["recall"], row["f1"], row["support"]) == pytest.approx((p[j], r[j], f[j], s[j]))
    tone_present = sorted(set(tone_gold.tolist()))
    assert out["tone"]["accuracy"] == pytest.approx(accuracy_score(tone_gold, tone_pred))
    assert out["tone"]["macro_f1"] == pytest.approx(
        f1_score(tone_gold, tone_pred, average="macro", labels=tone_present, zero_division=0)
    )


def _random_parts(seed: int, n: int = 60, noise: float = 0.3):
    rng = np.random.default_rng(seed)
    gold = (rng.random((n, K)) < 0.3).astype(int)
    gold[gold.sum(1) == 0, 7] = 1
    pred = np.where(rng.random((n, K)) < noise, 1 - gold, gold)
    scores = np.clip(pred * 0.7 + rng.random((n, K)) * 0.3, 0, 1)
    tone_gold = rng.integers(0, len(TONES), n)
    tone_pred = np.where(rng.random(n) < noise, rng.integers(0, len(TONES), n), tone_gold)
    primary = gold.argmax(1)
    return M.headline_parts(
        gold, pred, scores, tone_gold, tone_pred, primary_gold=primary, primary_pred=scores.argmax(1)
    )


def test_bootstrap_is_deterministic_and_contains_the_point_estimate():
    parts = _random_parts(1)
    point = M.headline(parts)
    idx = M.bootstrap_indices(60, n_resamples=500, seed=7)
    assert np.array_equal(idx, M.bootstrap_indices(60, n_resamples=500, seed=7))
    assert not np.array_equal(idx, M.bootstrap_indices(60, n_resamples=500, seed=8))
    first, second = M.bootstrap_headline(parts, idx), M.bootstrap_headline(parts, idx)
    assert set(first) == set(point)
    for key, value in point.items():
        assert np.array_equal(first[key], second[key])
        lo, hi = M.interval(first[key])
        assert lo <= value <= hi, key
        assert hi - lo > 0, key


def test_bootstrap_resample_equals_direct_computation():
    """Summing per-statement parts over a resample must equal computing the metric on the resampled data."""
    parts = _random_parts(2)
    idx = M.bootstrap_indices(60, n_resamples=5, seed=0)
    batch = M.bootstrap_headline(parts, idx)
    for r in range(5):
        direct = M.headline(M.subset_parts(parts, idx[r]))
        for key, value in direct.items():
            assert batch[key][r] == pytest.approx(value), key


def test_macro_f1_in_a_resample_ignores_labels_the_resample_lacks():
    # label 0 on statement 0 only, predicted correctly; label 1 everywhere else, always right
    gold = _onehot([[0]] + [[1]] * 4)
    parts = M.headline_parts(gold, gold, gold.astype(float))
    idx = np.array([[1, 2, 3, 4, 1]])  # leaves out the only label-0 statement
    assert M.bootstrap_headline(parts, idx)["stance.macro_f1"][0] == pytest.approx(1.0)


def test_paired_difference_of_a_model_with_itself_is_exactly_zero():
    parts = _random_parts(3)
    samples = M.bootstrap_headline(parts, M.bootstrap_indices(60, n_resamples=300, seed=0))
    point = M.headline(parts)
    for key in point:
        d = M.paired_difference(point[key], point[key], samples[key], samples[key])
        assert d["diff"] == 0.0 and d["ci95"] == [0.0, 0.0]
        assert d["significant"] is False and d["p_value"] == 1.0


def test_paired_difference_detects_a_clearly_better_model():
    good, bad = _random_parts(4, noise=0.05), _random_parts(4, noise=0.45)
    idx = M.bootstrap_indices(60, n_resamples=400, seed=0)
    sa, sb = M.bootstrap_headline(bad, idx), M.bootstrap_headline(good, idx)
    key = "stance.micro_f1"
    d = M.paired_difference(M.headline(bad)[key], M.headline(good)[key], sa[key], sb[key])
    assert d["diff"] > 0 and d["ci95"][0] > 0 and d["significant"] and d["p_value"] < 0.05
    lo, hi = d["ci95"]
    assert lo <= d["diff"] <= hi


def test_reliability_hand_example():
    probs = np.array([0.05, 0.15, 0.95, 0.95])
    outcomes = np.array([0, 1, 1, 0])
    out = M.reliability(probs, outcomes, n_bins=10)
    # bins: [0, .1): conf .05 acc 0; [.1, .2): conf .15 acc 1; [.9, 1]: conf .95 acc .5
    assert [b["count"] for b in out["bins"]] == [1, 1, 2]
    assert out["ece"] == pytest.approx(0.25 * 0.05 + 0.25 * 0.85 + 0.5 * 0.45)


def test_average_precision_and_macro():
    gold = _onehot([[0], [0], [1], [2]])
    scores = np.zeros((4, K))
    scores[:, 0] = [0.9, 0.2, 0.8, 0.1]  # by score: +, -, +, -  -> AP = (1 + 2/3) / 2
    scores[:, 1] = [0.1, 0.1, 0.9, 0.1]
    scores[:, 2] = [0.1, 0.1, 0.1, 0.9]
    ap = M.average_precision(gold, scores)
    assert ap["retaliation_vow"] == pytest.approx((1 + 2 / 3) / 2)
    assert ap["neutral"] is None
    assert M.macro_average_precision(ap) == pytest.approx(((1 + 2 / 3) / 2 + 1 + 1) / 3)
    assert M.macro_average_precision(dict.fromkeys(STANCES)) is None
