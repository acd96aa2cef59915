"""An ensemble of trained models, read as one model.

Each member is a complete model directory inside the ensemble's own
(``members/<name>/``) and scores with its own calibration, so its
probabilities mean what they say. The ensemble combines them with weights
fitted on validation, in log-odds for stance (each label independently) and
in log-probabilities for tone, and the result goes through the ensemble's
own calibration and thresholds like any other model's raw scores. One
manifest covers every file, members included.

The TF-IDF model and the transformer err differently (one on vocabulary it
never saw, the other on register and length), which is why a weighted
average of the two beats either alone on real statements.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from classifier.calibration import logit, sigmoid, softmax
from classifier.errors import ModelFormatError
from classifier.models.base import Scorer

MEMBERS_DIR = "members"
_EPS = 1e-6


def combine(stances: Sequence[np.ndarray], tones: Sequence[np.ndarray], stance_w, tone_w):
    """Weighted log-odds (stance) and log-probability (tone) pooling of calibrated member scores."""
    stance = sigmoid(sum(w * logit(p) for w, p in zip(stance_w, stances, strict=True)))
    logt = sum(w * np.log(np.clip(t, _EPS, 1.0)) for w, t in zip(tone_w, tones, strict=True))
    return stance, softmax(logt)


@dataclass(frozen=True)
class Member:
    name: str
    stance_weight: float
    tone_weight: float


class EnsembleModel(Scorer):
    kind = "ensemble"

    def __init__(self, predictors: list, members: list[Member]):
        self.predictors = predictors  # classifier.predictor.Predictor, one per member
        self.members = members
        self.fitted_ = True

    @property
    def batch_size_hint(self) -> int:  # type: ignore[override]
        return max(p.model.batch_size_hint for p in self.predictors)

    def _member_scores(self, texts, *, with_warnings: bool):
        stances, tones, warnings = [], [], [[] for _ in texts]
        for predictor in self.predictors:
            if with_warnings:
                stance, tone, notes = predictor.calibrated_with_warnings(texts)
                for row, note in zip(warnings, notes, strict=True):
                    row.extend(n for n in note if n not in row)
            else:
                stance, tone = predictor.scores(texts)
            stances.append(stance)
            tones.append(tone)
        return stances, tones, warnings

    def predict_proba(self, texts):
        stances, tones, _ = self._member_scores(list(texts), with_warnings=False)
        return combine(stances, tones, *self._weights())

    def predict_with_warnings(self, texts):
        stances, tones, warnings = self._member_scores(list(texts), with_warnings=True)
        return (*combine(stances, tones, *self._weights()), warnings)

    def input_warnings(self, texts):
        return self._member_scores(list(texts), with_warnings=True)[2]

    def _weights(self):
        return [m.stance_weight for m in self.members], [m.tone_weight for m in self.members]

    @classmethod
    def load(cls, directory: Path, metadata: dict) -> EnsembleModel:
        from classifier.predictor import Predictor

        spec = metadata.get("ensemble") or {}
        try:
            members = [Member(m["name"], float(m["stance_weight"]), float(m["tone_weight"])) for m in spec["members"]]
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelFormatError(f"{directory}: unreadable ensemble members in model.json ({exc!r})") from exc
        if not members:
            raise ModelFormatError(f"{directory}: an ensemble needs at least one member")
        # the ensemble's manifest has covered every member file already
        predictors = [Predictor.load(directory / MEMBERS_DIR / m.name, verify=False) for m in members]
        return cls(predictors, members)
