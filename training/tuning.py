"""Calibration, thresholds and the selection figure, fitted on realistic statements.

Models are judged on real statements about events our corpus never covered.
Statements we composed ourselves are cleaner than wire copy, so scores,
thresholds and the metric a model is selected by come from the real-derived
statements of the tuning data whenever there are enough of them; otherwise
from all of it, and the model records which.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from classifier.calibration import Calibration, fit_calibration
from classifier.corpus import Statement
from classifier.decision import decide_all, stances_to_matrix, thresholds_vector, tones_to_indices
from evaluation.metrics import summarise
from training.thresholds import tune_thresholds

REALISTIC_ORIGIN = "real-derived"
MIN_REALISTIC_ROWS = 150
#: positives' worth of pull toward the common threshold (``training.thresholds``)
THRESHOLD_PRIOR = 25.0


@dataclass(frozen=True)
class Decisions:
    """What turns a model's raw scores into labels, and how well it did where it was fitted."""

    calibration: Calibration
    thresholds: dict[str, float]
    metrics: dict
    tuned_on: str


def realistic_rows(statements: Sequence[Statement]) -> tuple[np.ndarray, str]:
    """Indices of the statements to tune and select on, and a note saying which they are."""
    real = np.array([i for i, s in enumerate(statements) if s.origin == REALISTIC_ORIGIN], dtype=np.int64)
    if len(real) >= MIN_REALISTIC_ROWS:
        return real, f"{len(real)} real-derived statements"
    note = f"all {len(statements)} statements"
    if len(real):
        note += f" (only {len(real)} real-derived, fewer than {MIN_REALISTIC_ROWS})"
    return np.arange(len(statements)), note


def gold_arrays(statements: Sequence[Statement]) -> tuple[np.ndarray, np.ndarray]:
    return stances_to_matrix([s.stances for s in statements]), tones_to_indices([s.tone for s in statements])


def scored_metrics(stance: np.ndarray, tone: np.ndarray, thresholds: dict, statements: Sequence[Statement]) -> dict:
    """Headline metrics of calibrated scores decided with ``thresholds``."""
    gold_stance, gold_tone = gold_arrays(statements)
    labels, tones = decide_all(stance, tone, thresholds_vector(thresholds))
    return summarise(gold_stance, stances_to_matrix(labels), stance, gold_tone, tones_to_indices(tones))


def fit_decisions(
    stance_raw: np.ndarray,
    tone_raw: np.ndarray,
    statements: Sequence[Statement],
    *,
    prior_strength: float = THRESHOLD_PRIOR,
) -> Decisions:
    """Calibrate, tune thresholds and measure on the realistic rows of ``statements``.

    ``stance_raw`` and ``tone_raw`` must be honest scores: from a model that
    did not train on these statements (validation or out-of-fold).
    """
    rows, note = realistic_rows(statements)
    chosen = [statements[i] for i in rows]
    gold_stance, gold_tone = gold_arrays(chosen)
    calibration = fit_calibration(stance_raw[rows], gold_stance, tone_raw[rows], gold_tone)
    stance, tone = calibration.apply(stance_raw[rows], tone_raw[rows])
    thresholds = tune_thresholds(stance, gold_stance, prior_strength=prior_strength)
    return Decisions(calibration, thresholds, scored_metrics(stance, tone, thresholds, chosen), note)
