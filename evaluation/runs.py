"""Gold labels and one model's predictions on the same statements, as arrays.

Every other part of the evaluation (metrics, breakdowns, error tables,
disagreements) reads these two objects, so the model is run exactly once per
evaluation and all sections describe the same predictions.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from classifier.corpus import Statement
from classifier.decision import decide_all, stances_to_matrix, tones_to_indices
from classifier.schema import STANCES

_STANCE_INDEX = {label: i for i, label in enumerate(STANCES)}


@dataclass(frozen=True)
class Gold:
    """Gold labels in array form, rows in the order of ``statements``."""

    statements: tuple[Statement, ...]
    stance: np.ndarray  # n×8 multi-hot
    tone: np.ndarray  # n tone indices
    primary: np.ndarray  # n stance indices of the first listed (primary) stance

    @classmethod
    def from_statements(cls, statements: Sequence[Statement]) -> Gold:
        return cls(
            tuple(statements),
            stances_to_matrix([s.stances for s in statements]),
            tones_to_indices([s.tone for s in statements]),
            np.array([_STANCE_INDEX[s.stances[0]] for s in statements], dtype=np.int64),
        )

    @property
    def texts(self) -> list[str]:
        return [s.text for s in self.statements]


@dataclass(frozen=True)
class ModelRun:
    """One model's calibrated scores and decided labels on the evaluation statements."""

    name: str
    kind: str
    path: str
    stance_scores: np.ndarray
    tone_scores: np.ndarray
    stance_labels: tuple[tuple[str, ...], ...]
    tone_labels: tuple[str, ...]
    seconds: float
    thresholds: dict[str, float]

    @property
    def stance_pred(self) -> np.ndarray:
        return stances_to_matrix(self.stance_labels)

    @property
    def tone_pred(self) -> np.ndarray:
        return tones_to_indices(self.tone_labels)

    @property
    def primary_pred(self) -> np.ndarray:
        return np.array([_STANCE_INDEX[labels[0]] for labels in self.stance_labels], dtype=np.int64)


def run_model(predictor, name: str, texts: Sequence[str]) -> ModelRun:
    """Score ``texts`` with a loaded ``Predictor`` and decide labels exactly as ``classify`` does.

    One statement is scored first, untimed, so lazy imports and first-call
    set-up do not count against whichever model happens to run first.
    """
    predictor.scores(list(texts[:1]))
    start = time.perf_counter()
    stance, tone = predictor.scores(list(texts))
    labels, tones = decide_all(stance, tone, predictor.thresholds)
    seconds = time.perf_counter() - start
    thresholds = {label: float(t) for label, t in zip(STANCES, predictor.thresholds, strict=True)}
    return ModelRun(
        name,
        predictor.kind,
        str(predictor.path or ""),
        np.asarray(stance),
        np.asarray(tone),
        tuple(tuple(x) for x in labels),
        tuple(tones),
        seconds,
        thresholds,
    )
