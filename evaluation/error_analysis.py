"""Which statements a model gets wrong most confidently, and where two models disagree.

Confident errors are the ones a user will believe, so they are what a
reviewer should read first; they also expose annotation mistakes in the gold
data. Three kinds of error are ranked together by the model's confidence in
the wrong answer:

- ``false_stance``: a predicted stance that is not gold (confidence = its score);
- ``missed_stance``: a gold stance that was not predicted (confidence = 1 − its score);
- ``wrong_tone``: a predicted tone that is not gold (confidence = its probability).
"""

from __future__ import annotations

import numpy as np

from classifier.schema import STANCES, TONES
from evaluation.runs import Gold, ModelRun

TOP_ERRORS = 15
MAX_DISAGREEMENTS = 50


def _statement_info(gold: Gold, row: int) -> dict:
    s = gold.statements[row]
    info = {"id": s.id, "text": s.text, "gold_stances": list(s.stances), "gold_tone": s.tone}
    if s.speaker:
        info["speaker"] = s.speaker
    if s.date:
        info["date"] = s.date
    return info


def statement_errors(gold: Gold, run: ModelRun, row: int) -> list[dict]:
    """Every error the model makes on one statement, most confident first."""
    gold_set, pred_set = set(gold.statements[row].stances), set(run.stance_labels[row])
    scores = run.stance_scores[row]
    errors = []
    for j, label in enumerate(STANCES):
        if label in pred_set and label not in gold_set:
            errors.append({"type": "false_stance", "label": label, "confidence": float(scores[j])})
        elif label in gold_set and label not in pred_set:
            errors.append({"type": "missed_stance", "label": label, "confidence": float(1.0 - scores[j])})
    tone = run.tone_labels[row]
    if tone != gold.statements[row].tone:
        errors.append(
            {"type": "wrong_tone", "label": tone, "confidence": float(run.tone_scores[row][TONES.index(tone)])}
        )
    return sorted(errors, key=lambda e: -e["confidence"])


def _prediction(run: ModelRun, row: int) -> dict:
    return {"stances": list(run.stance_labels[row]), "tone": run.tone_labels[row]}


def top_errors(gold: Gold, run: ModelRun, k: int = TOP_ERRORS) -> list[dict]:
    """The ``k`` statements whose most confident error is most confident (ties: data order)."""
    ranked = []
    for row in range(len(gold.statements)):
        errors = statement_errors(gold, run, row)
        if errors:
            ranked.append((-errors[0]["confidence"], row, errors))
    ranked.sort(key=lambda item: (item[0], item[1]))
    out = []
    for neg_conf, row, errors in ranked[:k]:
        item = _statement_info(gold, row)
        item.update(
            pred_stances=list(run.stance_labels[row]),
            pred_tone=run.tone_labels[row],
            stance_scores={label: round(float(p), 4) for label, p in zip(STANCES, run.stance_scores[row], strict=True)},
            tone_scores={label: round(float(p), 4) for label, p in zip(TONES, run.tone_scores[row], strict=True)},
            errors=[{**e, "confidence": round(e["confidence"], 4)} for e in errors],
            confidence=round(-neg_conf, 4),
        )
        out.append(item)
    return out


def _correct_counts(a_right: np.ndarray, b_right: np.ndarray) -> dict:
    return {
        "both_right": int((a_right & b_right).sum()),
        "only_a_right": int((a_right & ~b_right).sum()),
        "only_b_right": int((~a_right & b_right).sum()),
        "both_wrong": int((~a_right & ~b_right).sum()),
    }


def disagreements(gold: Gold, a: ModelRun, b: ModelRun, limit: int = MAX_DISAGREEMENTS) -> dict:
    """Statements where two models differ on the primary stance or the tone.

    Listed first are those where exactly one model is right, as they decide
    between the models; the counts cover all statements, the list at most
    ``limit`` of them.
    """
    primary_a, primary_b = a.primary_pred, b.primary_pred
    tone_a, tone_b = a.tone_pred, b.tone_pred
    a_primary_ok, b_primary_ok = primary_a == gold.primary, primary_b == gold.primary
    a_tone_ok, b_tone_ok = tone_a == gold.tone, tone_b == gold.tone
    differs_primary, differs_tone = primary_a != primary_b, tone_a != tone_b
    rows = np.flatnonzero(differs_primary | differs_tone)
    deciding = (a_primary_ok != b_primary_ok).astype(int) + (a_tone_ok != b_tone_ok).astype(int)
    rows = sorted(rows.tolist(), key=lambda r: (-deciding[r], r))
    items = []
    for row in rows[:limit]:
        item = _statement_info(gold, row)
        item["differs"] = [name for name, d in (("primary", differs_primary), ("tone", differs_tone)) if d[row]]
        item["a"] = {
            **_prediction(a, row),
            "primary_correct": bool(a_primary_ok[row]),
            "tone_correct": bool(a_tone_ok[row]),
        }
        item["b"] = {
            **_prediction(b, row),
            "primary_correct": bool(b_primary_ok[row]),
            "tone_correct": bool(b_tone_ok[row]),
        }
        items.append(item)
    return {
        "a": a.name,
        "b": b.name,
        "n": len(gold.statements),
        "n_differ": len(rows),
        "n_differ_primary": int(differs_primary.sum()),
        "n_differ_tone": int(differs_tone.sum()),
        "primary": _correct_counts(a_primary_ok, b_primary_ok),
        "tone": _correct_counts(a_tone_ok, b_tone_ok),
        "items": items,
    }
