import numpy as np

from classifier.calibration import Calibration, fit_calibration


def _nll(p, y):
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def test_platt_removes_bias_and_overconfidence_and_keeps_ranking():
    rng = np.random.default_rng(0)
    true_p = rng.uniform(0.02, 0.6, size=(4000, 8))
    y = (rng.uniform(size=true_p.shape) < true_p).astype(int)
    logit = np.log(true_p / (1 - true_p))
    distorted = 1 / (1 + np.exp(-(3 * logit + 1.5)))  # overconfident and biased upwards (class weights)
    tone_logits = rng.normal(size=(4000, 5)) * 3
    tone_p = np.exp(tone_logits) / np.exp(tone_logits).sum(1, keepdims=True)
    tone_y = np.array([rng.choice(5, p=np.exp(r / 3) / np.exp(r / 3).sum()) for r in tone_logits])
    cal = fit_calibration(distorted, y, tone_p, tone_y)
    assert all(0.25 < a < 0.42 for a in cal.stance_slopes)  # undoes the slope of 3
    assert 2.4 < cal.tone_temperature < 3.6
    fixed, fixed_tone = cal.apply(distorted, tone_p)
    assert _nll(fixed, y) < _nll(distorted, y)
    assert abs(fixed.mean() - y.mean()) < 0.01
    assert (np.argsort(fixed[:, 0]) == np.argsort(distorted[:, 0])).all()
    np.testing.assert_allclose(fixed_tone.sum(1), 1.0)


def test_round_trip_through_dict_and_identity_default():
    cal = Calibration(tuple(float(i + 1) for i in range(8)), tuple(-float(i) for i in range(8)), 1.7)
    assert Calibration.from_dict(cal.to_dict()) == cal
    assert Calibration.from_dict(None) == Calibration()
    p = np.array([[0.2] * 8])
    np.testing.assert_allclose(Calibration().apply(p, np.full((1, 5), 0.2))[0], p)


def test_unreadable_calibration_is_a_format_error():
    import pytest

    from classifier.errors import ModelFormatError

    with pytest.raises(ModelFormatError, match=r"unreadable calibration in model\.json"):
        Calibration.from_dict({"stance_temperatures": {}, "tone_temperature": 1.0})
