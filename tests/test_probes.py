"""The probes' cross-fitted figure: perfect scores read 1.0, scores that ignore the text read far less."""

import numpy as np

from classifier.corpus import read_statements
from training.probes import cross_fitted_f1, macro_f1
from training.tuning import gold_arrays


def test_cross_fitted_f1_rewards_only_scores_that_carry_the_labels(mini_corpus):
    statements = read_statements(mini_corpus)
    for s in statements:  # every statement counts as real-derived (the mini corpus has no origins)
        s.extra["origin"] = "real-derived"
    gold = gold_arrays(statements)[0].astype(float)
    assert cross_fitted_f1(gold * 0.9 + 0.05, statements) == 1.0
    noise = np.random.default_rng(0).random(gold.shape)
    assert cross_fitted_f1(noise, statements) < 0.6
    y = gold.astype(bool)
    assert macro_f1(y, y) == 1.0 and macro_f1(y, ~y) == 0.0
