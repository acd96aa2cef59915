"""Leakage-safe splits: grouped by event family, stratified by label, realistic where it counts.

Statements about one event share names, places and phrasing, so an event that
appears in two splits leaks its wording into the test score. Whole groups go
to one split, where a group joins everything that must not be separated: the
months of one long event (``gaza-war-2023-10`` and ``gaza-war-2024-03`` are
one family), a contrast statement and its partner, and near-duplicate pairs.
Among many random assignments we keep the one closest to 70/15/15 and to the
corpus' label proportions, with every label in every split, and with
validation and test at least ``MIN_REAL_SHARE`` real-derived, since models
and thresholds are chosen on validation and judged on test.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np

from classifier.corpus import Statement
from classifier.schema import SPLITS, STANCES, TONES

TARGET = {"train": 0.70, "validation": 0.15, "test": 0.15}
MIN_REAL_SHARE = 0.62  # a little above the corpus rule of 60%, so small moves cannot break it
#: what ``training.merge_batches`` appends when it cuts an event: a year, month or day (``-2025-06-17``),
#: a week (``-2024-03-w2``), a counter for a second run from the same day (``-2025-06-17-2``); and
#: writers' year ranges (``yemen-war-2017-2018``)
_DATE_SUFFIX = re.compile(r"-(?:19|20)\d{2}(?:-(?:19|20)\d{2})?(?:-\d{2}){0,2}(?:-w\d{1,2})?(?:-\d{1,2})?$")


def family(event: str) -> str:
    """An event slug without its date suffix: the months and day runs of one long event are one family."""
    return _DATE_SUFFIX.sub("", event)


def _label_matrix(statements: Sequence[Statement]) -> np.ndarray:
    cols = [*STANCES, *TONES]
    index = {c: i for i, c in enumerate(cols)}
    out = np.zeros((len(statements), len(cols)))
    for row, s in enumerate(statements):
        for label in (*s.stances, s.tone):
            out[row, index[label]] = 1
    return out


class _Union:
    def __init__(self):
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def join(self, a: str, b: str) -> None:
        self.parent[self.find(a)] = self.find(b)


def split_groups(statements: Sequence[Statement], near_pairs: Sequence[tuple[int, int]] = ()) -> list[str]:
    """The group of every statement: event family, joined with contrast partners and near duplicates."""
    union = _Union()
    keys = [f"event:{family(s.event)}" if s.event else f"id:{s.id}" for s in statements]
    by_id = {s.id: i for i, s in enumerate(statements)}
    for i, s in enumerate(statements):
        union.find(keys[i])
        partner = s.extra.get("contrast_of")
        if partner is not None and str(partner) in by_id:
            union.join(keys[i], keys[by_id[str(partner)]])
    for i, j in near_pairs:
        union.join(keys[i], keys[j])
    return [union.find(k) for k in keys]


def _score(assign, group_labels, group_real, sizes, overall, n_total) -> float:
    score = 0.0
    for k, name in enumerate(SPLITS):
        members = assign == k
        n = sizes[members].sum()
        counts = group_labels[members].sum(0)
        props = counts / max(n, 1)
        score += 100 * (counts == 0).sum() + ((props - overall) ** 2).sum() * 50
        score += (n / n_total - TARGET[name]) ** 2 * 400
        if name != "train":
            share = group_real[members].sum() / max(n, 1)
            score += 3000 * max(0.0, MIN_REAL_SHARE - share)
    return float(score)


def assign_splits(
    statements: Sequence[Statement],
    *,
    near_pairs: Sequence[tuple[int, int]] = (),
    seed: int = 0,
    tries: int = 4000,
    keep: Mapping[str, str] | None = None,
) -> list[str]:
    """The split of every statement (same order as ``statements``).

    ``keep`` maps statement ids to the split they already had: a group holding
    any of them stays in (the majority of) those splits, so a corpus that grows
    keeps its test set and models trained on it stay comparable; only new
    groups are placed.
    """
    groups = split_groups(statements, near_pairs)
    names = sorted(set(groups))
    index = {g: i for i, g in enumerate(names)}
    rows = np.array([index[g] for g in groups])
    pinned = np.full(len(names), -1, dtype=np.int64)
    if keep:
        votes: dict[int, Counter] = {}
        for r, s in zip(rows, statements, strict=True):
            if keep.get(s.id) in SPLITS:
                votes.setdefault(int(r), Counter())[keep[s.id]] += 1
        for g, vote in votes.items():
            pinned[g] = SPLITS.index(vote.most_common(1)[0][0])
    labels = _label_matrix(statements)
    real = np.array([s.origin == "real-derived" for s in statements], dtype=float)
    sizes = np.bincount(rows, minlength=len(names))
    group_labels = np.zeros((len(names), labels.shape[1]))
    np.add.at(group_labels, rows, labels)
    group_real = np.bincount(rows, weights=real, minlength=len(names))
    real_rate = group_real / np.maximum(sizes, 1)
    overall = labels.mean(0)
    n_total = len(statements)
    rng = random.Random(seed)
    best, best_score = None, np.inf
    free = np.flatnonzero(pinned < 0)
    for _ in range(tries if len(free) else 1):
        order = sorted(free, key=lambda g: -sizes[g] * rng.uniform(0.3, 1.7))
        assign = pinned.copy()
        counts = np.array([sizes[pinned == k].sum() for k in range(len(SPLITS))], dtype=float)
        for g in order:
            want = np.array([TARGET[k] * n_total for k in SPLITS])
            room = (want - counts) / want  # share of each split still to fill
            # realistic groups lean toward validation and test, composed ones toward train
            lean = np.array([0.0, 1.0, 1.0]) * 2.0 * (real_rate[g] - 0.55)
            pick = room + lean + np.array([rng.uniform(0, 0.4) for _ in SPLITS])
            pick[room <= 0] -= 10
            if sizes[g] > 0.08 * n_total:  # a very large family cannot go to a 15% split
                pick[1:] = -np.inf
            k = int(np.argmax(pick))
            assign[g] = k
            counts[k] += sizes[g]
        score = _score(assign, group_labels, group_real, sizes, overall, n_total)
        if score < best_score:
            best, best_score = assign.copy(), score
    return [SPLITS[best[r]] for r in rows]
