import numpy as np

from classifier.decision import decide_stances, decide_tone, stances_to_matrix, thresholds_vector
from classifier.schema import STANCES

T = thresholds_vector({"condemnation": 0.3, "neutral": 0.6})


def scores(**kw):
    row = np.zeros(len(STANCES))
    for label, value in kw.items():
        row[STANCES.index(label)] = value
    return row


def test_labels_at_or_above_their_own_threshold_best_first():
    assert decide_stances(scores(condemnation=0.35, diplomatic_appeal=0.7, solidarity=0.49), T) == [
        "diplomatic_appeal",
        "condemnation",
    ]
    assert decide_stances(scores(condemnation=0.3), T) == ["condemnation"]  # at threshold counts


def test_top_label_when_nothing_passes():
    assert decide_stances(scores(solidarity=0.2, condemnation=0.1), T) == ["solidarity"]


def test_neutral_alone_when_it_is_best_and_dropped_otherwise():
    assert decide_stances(scores(neutral=0.9, condemnation=0.5), T) == ["neutral"]
    assert decide_stances(scores(neutral=0.7, condemnation=0.8), T) == ["condemnation"]
    assert decide_stances(scores(neutral=0.5, condemnation=0.1), T) == ["neutral"]  # fallback to top


def test_tone_is_argmax_and_matrix_round_trip():
    assert decide_tone([0.1, 0.2, 0.6, 0.05, 0.05]) == "solemn"
    m = stances_to_matrix([["condemnation", "solidarity"], ["neutral"]])
    assert m.tolist() == [[0, 0, 0, 1, 0, 0, 1, 0], [0, 0, 0, 0, 0, 0, 0, 1]]
