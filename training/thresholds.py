"""Per-label decision thresholds, tuned so they survive a shift in the data.

A threshold fitted to one small split transfers badly to statements about
other events: each label's F1 curve is flat near its top and the maximum
sits wherever a few statements happen to fall. Three things keep it steady:
the F1 curve is averaged over bootstrap resamples; each label's threshold is
shrunk toward one common threshold in proportion to how little data the
label has (``prior_strength`` positives' worth); and the caller fits on as
much realistic data as it has (out-of-fold scores over train and validation
where training is cheap).
"""

from __future__ import annotations

import numpy as np

from classifier.decision import DEFAULT_THRESHOLD
from classifier.schema import STANCES

GRID = np.round(np.arange(0.10, 0.901, 0.01), 2)


def _expected_f1(y: np.ndarray, s: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """F1 at every grid threshold, averaged over bootstrap resamples (rows ``idx``) of the tuning rows.

    Scores are binned on the grid once; per resample, cumulative counts from
    the top bin down give true and predicted positives at every threshold,
    so memory stays O(rows) however many resamples there are.
    """
    bins = np.searchsorted(GRID, s, side="right")  # threshold k predicts positive iff bins > k
    n_bins = len(GRID) + 1
    f1 = np.zeros(len(GRID))
    for rows in idx:
        b, g = bins[rows], y[rows]
        pred_at = np.cumsum(np.bincount(b, minlength=n_bins)[::-1])[::-1][1:]
        tp_at = np.cumsum(np.bincount(b, weights=g, minlength=n_bins)[::-1])[::-1][1:]
        denom = pred_at + g.sum()
        f1 += np.divide(2 * tp_at, denom, out=np.zeros(len(GRID)), where=denom > 0)
    return f1 / len(idx)


def _nearest_default(f1s: np.ndarray) -> float:
    best = np.flatnonzero(f1s >= f1s.max() - 1e-9)
    return float(GRID[best[np.argmin(np.abs(GRID[best] - DEFAULT_THRESHOLD))]])


def common_threshold(scores: np.ndarray, gold: np.ndarray, *, n_resamples: int = 200, seed: int = 0) -> float:
    """The one threshold with the best bootstrap-averaged F1 over all (statement, label) decisions pooled.

    Pooling weighs each label by its data, so the common value is set by the
    well-populated labels that the thin ones are shrunk toward.
    """
    gold = gold.astype(bool)
    if not gold.any():
        return DEFAULT_THRESHOLD
    idx = np.random.default_rng(seed).integers(0, gold.size, size=(n_resamples, gold.size))
    return _nearest_default(_expected_f1(gold.ravel(), scores.ravel(), idx))


def tune_thresholds(
    scores: np.ndarray,
    gold: np.ndarray,
    *,
    min_positives: int = 3,
    n_resamples: int = 200,
    seed: int = 0,
    prior_strength: float = 0.0,
) -> dict[str, float]:
    """Per label, the threshold with the best F1 averaged over bootstrap resamples of validation.

    The plain F1 curve of a small validation split is jagged: its maximum
    often sits on one or two lucky statements. Averaging over resamples
    smooths it, so the chosen threshold is one that works on data like the
    validation split, not on those exact statements. Ties go towards 0.5.
    A label with fewer than ``min_positives`` validation examples keeps the
    common value: a threshold fitted to one or two examples is noise. With
    ``prior_strength`` k > 0, a label with n positives gets
    ``(n * own + k * common) / (n + k)``, so thin labels lean on the common
    threshold (fitted over all labels at once) and well-populated ones keep
    their own.
    """
    out: dict[str, float] = {}
    gold = gold.astype(bool)
    idx = np.random.default_rng(seed).integers(0, len(gold), size=(n_resamples, len(gold)))
    common = common_threshold(scores, gold, n_resamples=n_resamples, seed=seed) if prior_strength else None
    fallback = DEFAULT_THRESHOLD if common is None else common
    for j, label in enumerate(STANCES):
        y = gold[:, j]
        n = int(y.sum())
        if n < min_positives:
            out[label] = fallback
            continue
        own = _nearest_default(_expected_f1(y, scores[:, j], idx))
        if common is not None:
            own = (n * own + prior_strength * common) / (n + prior_strength)
        out[label] = round(float(own), 3)
    return out
