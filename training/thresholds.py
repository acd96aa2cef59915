"""Per-label decision thresholds tuned on the validation split."""

from __future__ import annotations

import numpy as np

from classifier.decision import DEFAULT_THRESHOLD
from classifier.schema import STANCES

GRID = np.round(np.arange(0.10, 0.901, 0.01), 2)


def _expected_f1(y: np.ndarray, s: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """F1 at every grid threshold, averaged over bootstrap resamples of the validation rows."""
    pred = s[idx][:, :, None] >= GRID[None, None, :]  # resamples × rows × thresholds
    gold = y[idx][:, :, None]
    tp = (pred & gold).sum(1)
    denom = pred.sum(1) + gold.sum(1)
    f1 = np.divide(2 * tp, denom, out=np.zeros(tp.shape), where=denom > 0)
    return f1.mean(0)


def tune_thresholds(
    scores: np.ndarray, gold: np.ndarray, *, min_positives: int = 3, n_resamples: int = 200, seed: int = 0
) -> dict[str, float]:
    """Per label, the threshold with the best F1 averaged over bootstrap resamples of validation.

    The plain F1 curve of a small validation split is jagged: its maximum
    often sits on one or two lucky statements. Averaging over resamples
    smooths it, so the chosen threshold is one that works on data like the
    validation split, not on those exact statements. Ties go towards 0.5.
    A label with fewer than ``min_positives`` validation examples keeps the
    default: a threshold fitted to one or two examples is noise.
    """
    out: dict[str, float] = {}
    gold = gold.astype(bool)
    idx = np.random.default_rng(seed).integers(0, len(gold), size=(n_resamples, len(gold)))
    for j, label in enumerate(STANCES):
        y = gold[:, j]
        if y.sum() < min_positives:
            out[label] = DEFAULT_THRESHOLD
            continue
        f1s = _expected_f1(y, scores[:, j], idx)
        best = np.flatnonzero(f1s >= f1s.max() - 1e-9)
        out[label] = float(GRID[best[np.argmin(np.abs(GRID[best] - DEFAULT_THRESHOLD))]])
    return out
