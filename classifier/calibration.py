"""Temperature scaling, fitted on the validation split and saved with the model.

One temperature per stance label (each is an independent sigmoid) and one for
tone (a softmax). A single parameter per output cannot overfit a small
validation split the way isotonic regression can, and it never changes the
ranking of statements, only how far the probabilities are from 0.5.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from classifier.schema import STANCES

_EPS = 1e-6


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, _EPS, 1 - _EPS)
    return np.log(p) - np.log1p(-p)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _best_temperature(nll) -> float:
    from scipy.optimize import minimize_scalar

    result = minimize_scalar(lambda log_t: nll(np.exp(log_t)), bounds=(-3.0, 3.0), method="bounded")
    return float(np.exp(result.x))


@dataclass(frozen=True)
class Calibration:
    stance_temperatures: tuple[float, ...] = field(default_factory=lambda: (1.0,) * len(STANCES))
    tone_temperature: float = 1.0

    def apply(self, stance_proba: np.ndarray, tone_proba: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        temps = np.asarray(self.stance_temperatures)
        stance = _sigmoid(_logit(stance_proba) / temps)
        tone = _softmax(np.log(np.clip(tone_proba, _EPS, 1.0)) / self.tone_temperature)
        return stance, tone

    def to_dict(self) -> dict:
        return {
            "method": "temperature",
            "stance_temperatures": dict(zip(STANCES, self.stance_temperatures, strict=True)),
            "tone_temperature": self.tone_temperature,
        }

    @classmethod
    def from_dict(cls, data: dict | None) -> Calibration:
        if not data:
            return cls()
        temps = data["stance_temperatures"]
        return cls(tuple(float(temps[label]) for label in STANCES), float(data["tone_temperature"]))


def fit_calibration(
    stance_proba: np.ndarray, stance_gold: np.ndarray, tone_proba: np.ndarray, tone_gold: np.ndarray
) -> Calibration:
    """Temperatures that minimise validation log-loss."""
    temps = []
    for j in range(stance_proba.shape[1]):
        z, y = _logit(stance_proba[:, j]), stance_gold[:, j]
        if y.min() == y.max():  # one class only: nothing to calibrate against
            temps.append(1.0)
            continue

        def nll(t, z=z, y=y):
            p = np.clip(_sigmoid(z / t), _EPS, 1 - _EPS)
            return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))

        temps.append(_best_temperature(nll))
    logp = np.log(np.clip(tone_proba, _EPS, 1.0))
    rows = np.arange(len(tone_gold))

    def tone_nll(t):
        return -np.mean(np.log(np.clip(_softmax(logp / t)[rows, tone_gold], _EPS, 1.0)))

    return Calibration(tuple(temps), _best_temperature(tone_nll))
