"""Turning scores into labels, written once for every model.

Stance scores are independent per-label probabilities; a label is predicted
when its score reaches that label's threshold (tuned on the validation split
and saved with the model). Two rules from the schema are enforced here:
every statement gets at least one stance, and ``neutral`` only stands alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from classifier.schema import NEUTRAL, STANCES, TONES

DEFAULT_THRESHOLD = 0.5


def thresholds_vector(thresholds: Mapping[str, float] | None) -> np.ndarray:
    thresholds = thresholds or {}
    return np.array([float(thresholds.get(label, DEFAULT_THRESHOLD)) for label in STANCES])


def decide_stances(scores: Sequence[float], thresholds: np.ndarray) -> list[str]:
    """Labels at or above threshold, best first; the top label if none passes.

    ``neutral`` wins alone when it is the best passing label; otherwise it is
    dropped, because a statement that performs a stance is not neutral.
    """
    scores = np.asarray(scores, dtype=float)
    order = np.argsort(-scores, kind="stable")
    passing = [STANCES[i] for i in order if scores[i] >= thresholds[i]]
    if not passing:
        return [STANCES[int(order[0])]]
    if passing[0] == NEUTRAL:
        return [NEUTRAL]
    return [label for label in passing if label != NEUTRAL]


def decide_tone(scores: Sequence[float]) -> str:
    return TONES[int(np.argmax(scores))]


def decide_all(stance_scores: np.ndarray, tone_scores: np.ndarray, thresholds: np.ndarray):
    """Labels for a batch: (list of stance lists, list of tones)."""
    stances = [decide_stances(row, thresholds) for row in stance_scores]
    tones = [decide_tone(row) for row in tone_scores]
    return stances, tones


def stances_to_matrix(stance_lists: Sequence[Sequence[str]]) -> np.ndarray:
    """Multi-hot n×8 matrix in schema order."""
    index = {label: i for i, label in enumerate(STANCES)}
    out = np.zeros((len(stance_lists), len(STANCES)), dtype=np.int8)
    for row, labels in enumerate(stance_lists):
        for label in labels:
            out[row, index[label]] = 1
    return out


def tones_to_indices(tones: Sequence[str]) -> np.ndarray:
    index = {label: i for i, label in enumerate(TONES)}
    return np.array([index[t] for t in tones], dtype=np.int64)
