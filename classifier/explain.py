"""Evidence for a prediction: which parts of the statement carry each label.

Occlusion, written once for every model: each clause is removed in turn and
the statement re-scored; the clauses whose removal lowers a predicted label's
probability the most are its evidence. It needs no access to model internals,
so the TF-IDF baseline and the transformer explain themselves the same way,
and the evidence is always a readable span of the statement, not a token.
"""

from __future__ import annotations

import re

import numpy as np

from classifier.schema import STANCES, TONES

MIN_DROP = 0.05  # smaller changes are noise, not evidence
MAX_SPANS = 2
_CLAUSE = re.compile(r"(?<=[.!?;:])\s+|,\s+(?:but|yet|and|while|whereas|although|because)\s+|\s+-\s+")


def clauses(text: str) -> list[str]:
    """Sentences and strong clause breaks; a single sentence falls back to commas, then to word chunks."""
    parts = [p.strip() for p in _CLAUSE.split(text) if p and p.strip()]
    if len(parts) < 2:
        parts = [p.strip() for p in text.split(",") if p.strip()]
    if len(parts) < 2:
        words = text.split()
        size = max(3, len(words) // 4)
        parts = [" ".join(words[i : i + size]) for i in range(0, len(words), size)]
    return parts or [text]


def evidence(predictor, text: str, stances: list[str], tone: str) -> dict:
    """Up to two spans per predicted stance and for the tone, with the probability each one adds."""
    parts = clauses(text)
    if len(parts) < 2:
        return {"stances": {label: [] for label in stances}, "tone": []}
    variants = [text] + [" ".join(parts[:i] + parts[i + 1 :]) for i in range(len(parts))]
    stance_p, tone_p = predictor.scores(variants)
    by_stance = {}
    for label in stances:
        j = STANCES.index(label)
        by_stance[label] = _top(parts, stance_p[0, j] - stance_p[1:, j])
    j = TONES.index(tone)
    return {"stances": by_stance, "tone": _top(parts, tone_p[0, j] - tone_p[1:, j])}


def _top(parts: list[str], drops: np.ndarray) -> list[dict]:
    order = np.argsort(-drops)[:MAX_SPANS]
    return [{"text": parts[i], "weight": round(float(drops[i]), 3)} for i in order if drops[i] >= MIN_DROP]
