"""Calibration, thresholds and the selection figure, fitted on realistic statements.

Models are judged on real statements about events our corpus never covered.
Statements we composed ourselves are cleaner than wire copy, so scores,
thresholds and the metric a model is selected by come from the real-derived
statements of the tuning data whenever there are enough of them; otherwise
from all of it, and the model records which.

The selection figure is cross-fitted: each tuning statement is decided with a
calibration and thresholds fitted on the other folds, so a model (or an
ensemble with extra weights to fit) gains nothing from tuning on the
statements it is scored on, and every kind is compared on the same footing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from classifier.calibration import Calibration, fit_calibration
from classifier.corpus import Statement
from classifier.decision import decide_all, stances_to_matrix, thresholds_vector, tones_to_indices
from evaluation.metrics import summarise
from training.crossfit import grouped_folds
from training.thresholds import tune_thresholds

REALISTIC_ORIGIN = "real-derived"
MIN_REALISTIC_ROWS = 150
#: positives' worth of pull toward the common threshold (``training.thresholds``)
THRESHOLD_PRIOR = 25.0
DECISION_FOLDS = 5


@dataclass(frozen=True)
class Decisions:
    """What turns a model's raw scores into labels, and how well that does on the tuning statements."""

    calibration: Calibration
    thresholds: dict[str, float]
    metrics: dict  # cross-fitted over the realistic rows
    tuned_on: str
    rows: np.ndarray  # the realistic rows, as indices into the statements passed in
    cross_fitted: tuple[np.ndarray, np.ndarray, np.ndarray]  # calibrated stance, tone, decided stance matrix

    def metrics_on(self, statements: Sequence[Statement], among: np.ndarray) -> dict:
        """Cross-fitted metrics on ``among`` (indices into the statements), restricted to the tuning rows."""
        keep = np.flatnonzero(np.isin(self.rows, among))
        stance, tone, decided = (a[keep] for a in self.cross_fitted)
        gold_stance, gold_tone = gold_arrays([statements[i] for i in self.rows[keep]])
        return summarise(gold_stance, decided, stance, gold_tone, tone.argmax(1))


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


def _fit(stance_raw, tone_raw, gold_stance, gold_tone, prior_strength):
    calibration = fit_calibration(stance_raw, gold_stance, tone_raw, gold_tone)
    stance, _ = calibration.apply(stance_raw, tone_raw)
    return calibration, tune_thresholds(stance, gold_stance, prior_strength=prior_strength)


def fit_decisions(
    stance_raw: np.ndarray,
    tone_raw: np.ndarray,
    statements: Sequence[Statement],
    *,
    prior_strength: float = THRESHOLD_PRIOR,
    seed: int = 0,
) -> Decisions:
    """Calibrate and tune thresholds on the realistic rows of ``statements``; measure by cross-fitting.

    ``stance_raw`` and ``tone_raw`` must be honest scores: from a model that
    did not train on these statements (validation or out-of-fold).
    """
    rows, note = realistic_rows(statements)
    chosen = [statements[i] for i in rows]
    s_raw, t_raw = stance_raw[rows], tone_raw[rows]
    gold_stance, gold_tone = gold_arrays(chosen)
    calibration, thresholds = _fit(s_raw, t_raw, gold_stance, gold_tone, prior_strength)

    stance_cf, tone_cf = np.zeros_like(s_raw, dtype=float), np.zeros_like(t_raw, dtype=float)
    decided = np.zeros_like(gold_stance)
    folds = grouped_folds(chosen, DECISION_FOLDS, seed=seed) if len(chosen) >= 2 * DECISION_FOLDS else []
    for fold in folds if len(folds) > 1 else []:
        rest = np.setdiff1d(np.arange(len(chosen)), fold)
        cal, thr = _fit(s_raw[rest], t_raw[rest], gold_stance[rest], gold_tone[rest], prior_strength)
        stance_cf[fold], tone_cf[fold] = cal.apply(s_raw[fold], t_raw[fold])
        decided[fold] = stances_to_matrix(decide_all(stance_cf[fold], tone_cf[fold], thresholds_vector(thr))[0])
    if len(folds) <= 1:  # too few statements to cross-fit: in-sample, and said so
        stance_cf, tone_cf = calibration.apply(s_raw, t_raw)
        decided = stances_to_matrix(decide_all(stance_cf, tone_cf, thresholds_vector(thresholds))[0])
        note += ", measured in-sample (too few to cross-fit)"
    metrics = summarise(gold_stance, decided, stance_cf, gold_tone, tone_cf.argmax(1))
    return Decisions(calibration, thresholds, metrics, note, rows, (stance_cf, tone_cf, decided))


def domain_index(train: Sequence[Statement], validation: Sequence[Statement]):
    """The off-topic index of a model trained on ``train``, its threshold set on the realistic validation rows."""
    from classifier.domain import fit_domain

    rows = realistic_rows(validation)[0] if validation else np.zeros(0, dtype=np.int64)
    return fit_domain([s.text for s in train], [validation[i].text for i in rows])


def off_topic_note(index) -> dict:
    """What ``model.json`` records about the off-topic check."""
    from classifier.domain import FLAG_RATE

    if index is None:
        return {"method": None, "note": "no off-topic check: train with the [train] extra (wordfreq) to get one"}
    return {
        "method": "mean log ratio of corpus to general-English word frequency over content words (classifier.domain)",
        "threshold": round(index.threshold, 4),
        "flags_on_realistic_validation": FLAG_RATE,
    }
