import numpy as np

from classifier.schema import STANCES
from training.thresholds import tune_thresholds


def test_threshold_separates_a_cleanly_separable_label_and_defaults_for_rare_ones():
    rng = np.random.default_rng(0)
    gold = np.zeros((200, len(STANCES)), dtype=int)
    gold[:80, 0] = 1
    gold[:2, 1] = 1  # two positives only
    scores = rng.uniform(0.0, 0.3, size=gold.shape)
    scores[:80, 0] = rng.uniform(0.6, 0.9, size=80)
    thresholds = tune_thresholds(scores, gold)
    assert 0.3 < thresholds["retaliation_vow"] <= 0.6
    assert thresholds["deterrence_warning"] == 0.5
    assert set(thresholds) == set(STANCES)


def test_lucky_outlier_does_not_drag_the_threshold():
    # 40 positives around 0.7, 160 negatives around 0.3, and one positive at 0.12
    gold = np.zeros((201, len(STANCES)), dtype=int)
    gold[:41, 0] = 1
    scores = np.full(gold.shape, 0.05)
    scores[:40, 0] = np.linspace(0.6, 0.8, 40)
    scores[40, 0] = 0.12
    scores[41:, 0] = np.linspace(0.2, 0.4, 160)
    assert tune_thresholds(scores, gold)["retaliation_vow"] > 0.4


def test_shrinkage_pulls_thin_labels_toward_the_common_threshold_more_than_rich_ones():
    rng = np.random.default_rng(1)
    n = 400
    gold = np.zeros((n, len(STANCES)), dtype=int)
    scores = rng.uniform(0.0, 0.2, size=gold.shape)
    # a rich label best cut at about 0.3, a thin one (6 positives) whose lucky best cut is 0.8
    gold[:150, 0] = 1
    scores[:150, 0] = rng.uniform(0.32, 0.9, 150)
    scores[150:, 0] = rng.uniform(0.0, 0.28, n - 150)
    gold[:6, 1] = 1
    scores[:6, 1] = rng.uniform(0.82, 0.9, 6)
    scores[6:40, 1] = rng.uniform(0.5, 0.78, 34)
    plain = tune_thresholds(scores, gold)
    shrunk = tune_thresholds(scores, gold, prior_strength=30)
    moved_rich = abs(shrunk["retaliation_vow"] - plain["retaliation_vow"])
    moved_thin = abs(shrunk["deterrence_warning"] - plain["deterrence_warning"])
    assert moved_thin > 3 * moved_rich
    assert shrunk["deterrence_warning"] < plain["deterrence_warning"]
