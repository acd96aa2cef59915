"""Out-of-fold scores: every statement scored by a model that never saw its event.

Where training is cheap (TF-IDF), calibration and thresholds are fitted on
out-of-fold scores over train and validation together, several times more
data than the validation split alone, and the shipped model is then trained
on all of it. Folds are grouped by event, like the corpus splits, so a
statement is never scored by a model that read other statements about the
same event: its family, so the months and day runs an oversized event was cut
into (``training.merge_batches``) fall in one fold, as they fall in one split.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from classifier.corpus import Statement
from classifier.decision import stances_to_matrix, tones_to_indices
from classifier.models.base import TrainableModel
from classifier.schema import STANCES, TONES
from training.splits import family

N_FOLDS = 5


def group_of(statement: Statement) -> str:
    """The unit that never straddles folds: the event family, or the contrast pair, or the statement itself."""
    if statement.event:
        return family(statement.event)
    partner = statement.extra.get("contrast_of")
    return f"id:{partner or statement.id}"


def grouped_folds(statements: Sequence[Statement], n_folds: int = N_FOLDS, *, seed: int = 0) -> list[np.ndarray]:
    """Row indices of each fold; whole groups per fold, sizes balanced greedily after a seeded shuffle."""
    groups: dict[str, list[int]] = {}
    for i, s in enumerate(statements):
        groups.setdefault(group_of(s), []).append(i)
    rng = np.random.default_rng(seed)
    names = list(groups)
    rng.shuffle(names)
    names.sort(key=lambda g: -len(groups[g]))  # stable: shuffled order within equal sizes
    folds: list[list[int]] = [[] for _ in range(n_folds)]
    for g in names:
        min(folds, key=len).extend(groups[g])
    return [np.array(sorted(f), dtype=np.int64) for f in folds if f]


def out_of_fold_scores(
    make_model: Callable[[], TrainableModel],
    statements: Sequence[Statement],
    *,
    n_folds: int = N_FOLDS,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Raw stance (n×8) and tone (n×5) scores, each row from the model trained without its fold."""
    stance = np.zeros((len(statements), len(STANCES)))
    tone = np.zeros((len(statements), len(TONES)))
    everything = np.arange(len(statements))
    for fold in grouped_folds(statements, n_folds, seed=seed):
        train = [statements[i] for i in np.setdiff1d(everything, fold)]
        model = make_model().fit(
            [s.text for s in train],
            stances_to_matrix([s.stances for s in train]),
            tones_to_indices([s.tone for s in train]),
        )
        stance[fold], tone[fold] = model.predict_proba([statements[i].text for i in fold])
    return stance, tone
