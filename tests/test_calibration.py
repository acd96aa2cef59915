import numpy as np

from classifier.calibration import Calibration, fit_calibration


def _nll(p, y):
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def test_temperature_fixes_overconfidence_and_keeps_ranking():
    rng = np.random.default_rng(0)
    true_p = rng.uniform(0.05, 0.95, size=(4000, 8))
    y = (rng.uniform(size=true_p.shape) < true_p).astype(int)
    logit = np.log(true_p / (1 - true_p))
    overconfident = 1 / (1 + np.exp(-3 * logit))
    tone_p = np.full((4000, 5), 0.2)
    tone_y = rng.integers(0, 5, 4000)
    cal = fit_calibration(overconfident, y, tone_p, tone_y)
    assert all(2.5 < t < 3.5 for t in cal.stance_temperatures)
    fixed, _ = cal.apply(overconfident, tone_p)
    assert _nll(fixed, y) < _nll(overconfident, y)
    assert (np.argsort(fixed[:, 0]) == np.argsort(overconfident[:, 0])).all()


def test_round_trip_through_dict():
    cal = Calibration(tuple(float(i + 1) for i in range(8)), 1.7)
    assert Calibration.from_dict(cal.to_dict()) == cal
    assert Calibration.from_dict(None) == Calibration()
