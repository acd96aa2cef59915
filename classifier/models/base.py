"""Two contracts: a runtime ``Scorer`` and a ``TrainableModel``.

Everything that classifies (the predictor, batch runs, the harness, reports)
depends only on ``Scorer``: load a model directory, score texts, say how the
input had to be read. Training depends on ``TrainableModel``, which adds
``fit`` and ``save``. The ONNX transformer and the ensemble are scorers only;
the TF-IDF model and the torch transformer are trainable. No implementation
has to stub out half of an interface it cannot honour.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import numpy as np


class Scorer(ABC):
    """Scores statements for stance (multi-label) and tone (single label).

    ``predict_proba`` returns ``(stance, tone)``: ``stance`` is n×8 independent
    probabilities and ``tone`` is n×5 rows summing to 1, columns in the order of
    ``classifier.schema.STANCES`` and ``TONES``. Thresholds, calibration and the
    neutral rule are applied outside the model (``classifier.predictor``).
    """

    kind: ClassVar[str]
    #: statements per chunk in batch runs: enough to sort by length, small enough to stream
    batch_size_hint: ClassVar[int] = 256

    @abstractmethod
    def predict_proba(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Raw (uncalibrated) stance and tone probabilities."""

    @classmethod
    @abstractmethod
    def load(cls, directory: Path, metadata: dict) -> Scorer:
        """Read a model directory; ``metadata`` (its ``model.json``) has been checked already."""

    def predict_with_warnings(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, list[list[str]]]:
        """``predict_proba`` plus ``input_warnings`` (a model may share the work between them)."""
        stance, tone = self.predict_proba(texts)
        return stance, tone, self.input_warnings(texts)

    def input_warnings(self, texts: Sequence[str]) -> list[list[str]]:
        """Per-text notes on how the model had to read the input (e.g. split into windows)."""
        return [[] for _ in texts]

    def check_fitted(self) -> None:
        if not getattr(self, "fitted_", False):
            from classifier.errors import StanceError

            raise StanceError(f"this {self.kind} model is not fitted yet; call fit() or load() first")


class TrainableModel(Scorer):
    """A scorer that can also learn from labelled statements and write its own files."""

    @abstractmethod
    def fit(
        self,
        texts: Sequence[str],
        stance_targets: np.ndarray,
        tone_targets: np.ndarray,
        *,
        validation: tuple[Sequence[str], np.ndarray, np.ndarray] | None = None,
    ) -> TrainableModel:
        """Learn from texts, an n×8 multi-hot stance matrix and n tone indices; returns self."""

    @abstractmethod
    def save(self, directory: Path) -> list[str]:
        """Write the model's own files into ``directory``; return their names."""

    def config_dict(self) -> dict:
        return {}

    def finish_save(self, directory: Path, validation: Sequence, metadata: dict) -> None:
        """After ``save``: anything model-specific the directory needs (the transformer tunes its ONNX files
        on ``validation`` statements and records its training history in ``metadata``). Default: nothing."""

    def write_card(self, directory: Path, metadata: dict) -> None:
        """Write a human-readable model card (``README.md``) next to the weights."""
        from classifier.model_card import write_model_card

        write_model_card(directory, metadata)
