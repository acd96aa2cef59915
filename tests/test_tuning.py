"""Decisions fitted where they will be used: real-derived rows, out-of-fold scores, events kept whole."""

import numpy as np

from classifier.corpus import Statement
from classifier.decision import stances_to_matrix
from training.crossfit import grouped_folds, out_of_fold_scores
from training.tuning import MIN_REALISTIC_ROWS, realistic_rows


def st(i, event=None, origin="composed", text="t"):
    extra = {"origin": origin} if origin != "composed" else {}
    return Statement(text=text, stances=("neutral",), tone="measured", id=str(i), event=event, extra=extra)


def test_realistic_rows_are_the_real_derived_ones_when_there_are_enough():
    few = [st(i, origin="real-derived" if i < 10 else "composed") for i in range(300)]
    rows, note = realistic_rows(few)
    assert len(rows) == 300 and "only 10 real-derived" in note
    many = [st(i, origin="real-derived" if i % 2 else "composed") for i in range(2 * MIN_REALISTIC_ROWS + 2)]
    rows, note = realistic_rows(many)
    assert all(many[i].origin == "real-derived" for i in rows) and len(rows) == MIN_REALISTIC_ROWS + 1


def test_grouped_folds_keep_each_event_whole_and_cover_every_row_once():
    rows = [st(i, event=f"e{i % 7}") for i in range(60)] + [st(60 + i) for i in range(5)]
    folds = grouped_folds(rows, 5, seed=3)
    assert sorted(np.concatenate(folds).tolist()) == list(range(65))
    for fold in folds:
        events = {rows[i].event for i in fold if rows[i].event}
        others = {rows[i].event for f in folds if f is not fold for i in f}
        assert not events & others


def test_grouped_folds_keep_the_parts_of_a_cut_event_together():
    days = [st(i, event=f"strikes-2025-06-{13 + i % 4}") for i in range(40)]
    rest = [st(40 + i, event=f"e{i % 9}") for i in range(90)]
    folds = grouped_folds(days + rest, 5, seed=1)
    assert sum(any(i < 40 for i in fold) for fold in folds) == 1


class Memoriser:
    """A stand-in model that scores 1 for texts it trained on and 0 for the rest."""

    def fit(self, texts, stance_targets, tone_targets, **_):
        self.seen = set(texts)
        return self

    def predict_proba(self, texts):
        seen = np.array([[float(t in self.seen)] * 8 for t in texts])
        return seen, np.full((len(texts), 5), 0.2)


def test_out_of_fold_scores_come_from_models_that_never_saw_the_row():
    rows = [st(i, event=f"e{i % 9}", text=f"text {i}") for i in range(45)]
    stance, tone = out_of_fold_scores(Memoriser, rows, n_folds=3)
    assert stance.shape == (45, 8) and tone.shape == (45, 5)
    assert stance.max() == 0.0  # every row was scored by a model that did not train on it
    assert stances_to_matrix([r.stances for r in rows]).shape == (45, 8)
