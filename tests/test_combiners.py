"""The combiners the probe compares: each fitted without the events it scores, each able to find the good member."""

import numpy as np
import pytest

from classifier.corpus import Statement
from classifier.schema import STANCES, TONES
from training.combiners import COMBINERS, nested_scores


def _statements(gold_stance, gold_tone):
    return [
        Statement(
            id=f"s{i}",
            text=f"statement {i}",
            stances=tuple(STANCES[j] for j in np.flatnonzero(row)),
            tone=TONES[t],
            event=f"e{i // 4}",
            split="validation",
            extra={"origin": "real-derived"},
        )
        for i, (row, t) in enumerate(zip(gold_stance, gold_tone, strict=True))
    ]


@pytest.fixture(scope="module")
def world():
    """Member 0 knows the labels (noisily), member 1 is noise."""
    rng = np.random.default_rng(3)
    n = 400
    primary = rng.integers(0, len(STANCES), n)
    gold_stance = np.eye(len(STANCES), dtype=int)[primary]
    gold_tone = rng.integers(0, len(TONES), n)
    good_s = np.clip(0.15 + 0.7 * gold_stance + rng.normal(0, 0.1, gold_stance.shape), 0.01, 0.99)
    good_t = np.eye(len(TONES))[gold_tone] * 0.6 + rng.dirichlet(np.ones(len(TONES)), n) * 0.4
    noise = (rng.uniform(0.01, 0.99, gold_stance.shape), rng.dirichlet(np.ones(len(TONES)), n))
    return _statements(gold_stance, gold_tone), [(good_s, good_t), noise], gold_stance, gold_tone


@pytest.mark.parametrize("name", list(COMBINERS))
def test_every_combiner_leans_on_the_member_that_knows(world, name):
    statements, scores, gold_stance, gold_tone = world
    rows = np.arange(len(statements))
    stance, tone = nested_scores(name, scores, statements, rows, seed=0)
    assert stance.shape == gold_stance.shape and tone.shape == (len(statements), len(TONES))
    np.testing.assert_allclose(tone.sum(1), 1.0, atol=1e-6)
    # rows are scored out of fold, yet the good member's signal comes through
    primary_hit = np.mean(stance.argmax(1) == gold_stance.argmax(1))
    assert primary_hit > 0.9
    assert np.mean(tone.argmax(1) == gold_tone) > 0.5


def test_a_row_is_scored_by_a_combiner_that_never_saw_its_event(world, monkeypatch):
    statements, scores, _, _ = world
    seen = []

    def spy(fit_scores, fit_stance, fit_tone):
        size = len(fit_stance)
        seen.append(size)

        def apply(new):
            return np.full((len(new[0][0]), len(STANCES)), size / 1000), np.full((len(new[0][0]), len(TONES)), 0.2)

        return apply

    monkeypatch.setitem(COMBINERS, "spy", spy)
    rows = np.arange(len(statements))
    stance, _ = nested_scores("spy", scores, statements, rows, seed=1)
    assert seen[0] == len(rows) and all(size < len(rows) for size in seen[1:])
    assert (stance[:, 0] < len(rows) / 1000).all()  # no row kept the all-rows fit
