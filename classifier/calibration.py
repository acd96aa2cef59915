"""Calibration fitted on the validation split and saved with the model.

Stance: Platt scaling per label, ``sigmoid(a * logit(p) + b)``. Both models
train the stance heads with class weights, which inflates the scores of rare
labels; the offset ``b`` takes that bias out, the slope ``a`` fixes over- or
under-confidence. Tone: one temperature for the softmax. Few parameters per
output cannot overfit a small validation split the way isotonic regression
can, and neither step changes the ranking of statements for a label.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from classifier.schema import STANCES

_EPS = 1e-6


def logit(p: np.ndarray) -> np.ndarray:
    """Log-odds, clipped away from 0 and 1 (shared with the ensemble's pooling)."""
    p = np.clip(p, _EPS, 1 - _EPS)
    return np.log(p) - np.log1p(-p)


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def bce(p: np.ndarray, y: np.ndarray) -> float:
    p = np.clip(p, _EPS, 1 - _EPS)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


@dataclass(frozen=True)
class Calibration:
    stance_slopes: tuple[float, ...] = field(default_factory=lambda: (1.0,) * len(STANCES))
    stance_offsets: tuple[float, ...] = field(default_factory=lambda: (0.0,) * len(STANCES))
    tone_temperature: float = 1.0

    def apply(self, stance_proba: np.ndarray, tone_proba: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a, b = np.asarray(self.stance_slopes), np.asarray(self.stance_offsets)
        stance = sigmoid(a * logit(stance_proba) + b)
        tone = softmax(np.log(np.clip(tone_proba, _EPS, 1.0)) / self.tone_temperature)
        return stance, tone

    def to_dict(self) -> dict:
        return {
            "stance_method": "platt",
            "stance": {
                label: {"slope": a, "offset": b}
                for label, a, b in zip(STANCES, self.stance_slopes, self.stance_offsets, strict=True)
            },
            "tone_method": "temperature",
            "tone_temperature": self.tone_temperature,
        }

    @classmethod
    def from_dict(cls, data: dict | None) -> Calibration:
        if not data:
            return cls()
        try:
            stance = data["stance"]
            return cls(
                tuple(float(stance[label]["slope"]) for label in STANCES),
                tuple(float(stance[label]["offset"]) for label in STANCES),
                float(data["tone_temperature"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            from classifier.errors import ModelFormatError

            raise ModelFormatError(
                f"unreadable calibration in model.json ({exc!r}); retrain the model with this version"
            ) from exc


def _fit_platt(z: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    from scipy.optimize import minimize

    # a weak pull towards the identity (a=1, b=0) keeps a label with few
    # validation positives from being bent by a handful of statements
    def loss(params):
        a, b = params
        return bce(sigmoid(a * z + b), y) + 1e-3 * ((a - 1) ** 2 + b**2)

    result = minimize(loss, x0=[1.0, 0.0], method="L-BFGS-B", bounds=[(0.05, 20.0), (-10.0, 10.0)])
    return float(result.x[0]), float(result.x[1])


def _fit_temperature(logp: np.ndarray, gold: np.ndarray) -> float:
    from scipy.optimize import minimize_scalar

    rows = np.arange(len(gold))

    def nll(log_t):
        return -np.mean(np.log(np.clip(softmax(logp / np.exp(log_t))[rows, gold], _EPS, 1.0)))

    return float(np.exp(minimize_scalar(nll, bounds=(-3.0, 3.0), method="bounded").x))


def fit_calibration(
    stance_proba: np.ndarray, stance_gold: np.ndarray, tone_proba: np.ndarray, tone_gold: np.ndarray
) -> Calibration:
    """Parameters that minimise validation log-loss."""
    slopes, offsets = [], []
    for j in range(stance_proba.shape[1]):
        y = stance_gold[:, j]
        if y.min() == y.max():  # one class only: nothing to calibrate against
            slopes.append(1.0)
            offsets.append(0.0)
            continue
        a, b = _fit_platt(logit(stance_proba[:, j]), y)
        slopes.append(a)
        offsets.append(b)
    tone_t = _fit_temperature(np.log(np.clip(tone_proba, _EPS, 1.0)), tone_gold)
    return Calibration(tuple(slopes), tuple(offsets), tone_t)
