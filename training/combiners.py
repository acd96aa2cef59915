"""Ways to combine an ensemble's member scores, compared honestly (``python -m training.probes combiners``).

The shipped ensemble pools its members with one weight per task. Two richer
combiners are candidates: a weight per stance label (the members are not
equally good at every act), and a stacked logistic regression per label over
every member's log-odds for every label (one act's score can speak against
another: a vow of retaliation usually comes with a condemnation, a plea to
the UN rarely with a threat). Each has more parameters to fit on the same
real-derived validation statements, so each is fitted in an outer cross-fit by
event and judged only on statements its weights never saw. On corpus v2.11
none beat the shipped pooling (``docs/RECIPES.md``), so the runtime keeps it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from classifier.calibration import bce, logit, sigmoid
from classifier.corpus import Statement
from classifier.models.ensemble import combine
from training.crossfit import grouped_folds
from training.tuning import gold_arrays

_EPS = 1e-6
Scores = Sequence[tuple[np.ndarray, np.ndarray]]
#: fit(member scores on the fitting rows, gold stance, gold tone) -> apply(member scores) -> (stance, tone)
Combiner = Callable[[Scores, np.ndarray, np.ndarray], Callable[[Scores], tuple[np.ndarray, np.ndarray]]]


def _task_weights(scores, gold_stance, gold_tone):
    from training.ensemble import fit_weights

    ws, wt = fit_weights([s for s, _ in scores], [t for _, t in scores], gold_stance, gold_tone)
    return lambda new: combine([s for s, _ in new], [t for _, t in new], ws, wt)


def _label_weights(scores, gold_stance, gold_tone):
    from training.ensemble import fit_weights, simplex

    _, wt = fit_weights([s for s, _ in scores], [t for _, t in scores], gold_stance, gold_tone)
    grid = list(simplex(len(scores), 0.05))
    per_label = []
    for j in range(gold_stance.shape[1]):
        logits = [logit(s[:, j]) for s, _ in scores]
        losses = [bce(sigmoid(sum(w * z for w, z in zip(ws, logits, strict=True))), gold_stance[:, j]) for ws in grid]
        per_label.append(np.array(grid[int(np.argmin(losses))]))
    weights = np.stack(per_label)  # labels x members

    def apply(new):
        z = sum(weights[:, m] * logit(s) for m, (s, _) in enumerate(new))
        return sigmoid(z), combine([s for s, _ in new], [t for _, t in new], wt, wt)[1]

    return apply


def _features(scores: Scores) -> np.ndarray:
    """Each member's stance log-odds, then each member's tone log-probabilities."""
    return np.hstack([logit(s) for s, _ in scores] + [np.log(np.clip(t, _EPS, 1.0)) for _, t in scores])


def _stack(c: float) -> Combiner:
    """Logistic regressions (L2, inverse strength ``c``) per stance label and over the tones, on every score."""

    def fit(scores, gold_stance, gold_tone):
        from sklearn.linear_model import LogisticRegression

        x = _features(scores)
        stance_models = [LogisticRegression(C=c, max_iter=2000).fit(x, y) for y in gold_stance.T]
        tone_model = LogisticRegression(C=c, max_iter=2000).fit(x, gold_tone)
        n_tones = scores[0][1].shape[1]

        def apply(new):
            f = _features(new)
            stance = np.stack([m.predict_proba(f)[:, 1] for m in stance_models], axis=1)
            tone = np.full((len(f), n_tones), _EPS)
            tone[:, tone_model.classes_] = tone_model.predict_proba(f)
            return stance, tone / tone.sum(1, keepdims=True)

        return apply

    return fit


def _stack_own(scores, gold_stance, gold_tone):
    """Per label, a logistic regression on that label's member log-odds only: per-label weights with a bias."""
    from sklearn.linear_model import LogisticRegression

    models = []
    for j in range(gold_stance.shape[1]):
        x = np.stack([logit(s[:, j]) for s, _ in scores], axis=1)
        models.append(LogisticRegression(C=1.0, max_iter=1000).fit(x, gold_stance[:, j]))
    tone_apply = _task_weights(scores, gold_stance, gold_tone)

    def apply(new):
        stance = np.stack(
            [m.predict_proba(np.stack([logit(s[:, j]) for s, _ in new], axis=1))[:, 1] for j, m in enumerate(models)],
            axis=1,
        )
        return stance, tone_apply(new)[1]

    return apply


COMBINERS: dict[str, Combiner] = {
    "task-weights": _task_weights,  # what the shipped ensemble does
    "label-weights": _label_weights,
    "stack-own-label": _stack_own,
    "stack-C0.1": _stack(0.1),
    "stack-C1": _stack(1.0),
}


def nested_scores(
    name: str, scores: Scores, validation: Sequence[Statement], rows: np.ndarray, *, seed: int = 0, n_folds: int = 5
) -> tuple[np.ndarray, np.ndarray]:
    """Combined raw scores over validation; each realistic row's from a combiner fitted without its event."""
    fit = COMBINERS[name]
    gold_stance, gold_tone = gold_arrays(validation)

    def take(idx):
        return [(s[idx], t[idx]) for s, t in scores]

    stance, tone = fit(take(rows), gold_stance[rows], gold_tone[rows])(take(np.arange(len(validation))))
    chosen = [validation[i] for i in rows]
    for fold in grouped_folds(chosen, n_folds, seed=100 + seed):
        rest = np.setdiff1d(rows, rows[fold])
        apply = fit(take(rest), gold_stance[rest], gold_tone[rest])
        stance[rows[fold]], tone[rows[fold]] = apply(take(rows[fold]))
    return stance, tone
