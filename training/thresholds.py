"""Per-label decision thresholds tuned on the validation split."""

from __future__ import annotations

import numpy as np

from classifier.decision import DEFAULT_THRESHOLD
from classifier.schema import STANCES

GRID = np.round(np.arange(0.10, 0.901, 0.01), 2)


def _f1(y: np.ndarray, pred: np.ndarray) -> float:
    tp = float(np.sum(y & pred))
    denom = float(np.sum(y) + np.sum(pred))
    return 2 * tp / denom if denom else 0.0


def tune_thresholds(scores: np.ndarray, gold: np.ndarray, *, min_positives: int = 3) -> dict[str, float]:
    """The threshold maximising each label's F1, ties broken towards 0.5.

    A label with fewer than ``min_positives`` validation examples keeps the
    default: a threshold fitted to one or two examples is noise.
    """
    out: dict[str, float] = {}
    gold = gold.astype(bool)
    for j, label in enumerate(STANCES):
        y = gold[:, j]
        if y.sum() < min_positives:
            out[label] = DEFAULT_THRESHOLD
            continue
        f1s = np.array([_f1(y, scores[:, j] >= t) for t in GRID])
        best = np.flatnonzero(f1s >= f1s.max() - 1e-12)
        out[label] = float(GRID[best[np.argmin(np.abs(GRID[best] - DEFAULT_THRESHOLD))]])
    return out
