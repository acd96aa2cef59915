"""Label audit: which of our own labels look wrong, most suspicious first.

Every statement is scored by a model that never read its event (out-of-fold,
``training.crossfit``), the scores are calibrated on the whole corpus, and
cleanlab's label-quality scores say how far each statement's labels sit from
what the other events taught the model. A person then re-reads the top of
the list: the audit ranks, it never relabels.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from classifier.calibration import fit_calibration
from classifier.config import TfidfConfig
from classifier.corpus import Statement
from classifier.decision import decide_all, thresholds_vector
from classifier.files import atomic_write_text
from classifier.models.base import TrainableModel
from classifier.schema import STANCES, TONES
from training.crossfit import N_FOLDS, out_of_fold_scores
from training.thresholds import tune_thresholds
from training.tuning import gold_arrays


@dataclass(frozen=True)
class AuditRow:
    """One statement's labels, what the out-of-fold model reads instead, and how suspicious that is."""

    rank: int
    id: str
    line: int
    suspicion: float  # 1 - the lower of the stance and tone label-quality scores
    stance_quality: float
    tone_quality: float
    stances: list[str]
    tone: str
    suspected_stances: list[str]
    suspected_tone: str
    doubts: list[str]  # e.g. "missing deterrence_warning (p=0.91)", "tone defiant (p=0.70) not hostile (p=0.12)"
    stance_scores: dict[str, float]
    tone_scores: dict[str, float]
    text: str
    split: str | None
    origin: str
    event: str | None

    def to_dict(self) -> dict:
        return asdict(self)


def _doubts(given: Sequence[str], suspected: Sequence[str], stance: np.ndarray, tone: np.ndarray, gold_tone: int):
    """Plain words for where the labels and the model part ways (stances at the tuned thresholds)."""
    p = dict(zip(STANCES, stance, strict=True))
    found = [f"missing {k} (p={p[k]:.2f})" for k in suspected if k not in given]
    found += [f"doubtful {k} (p={p[k]:.2f})" for k in given if k not in suspected]
    best = int(tone.argmax())
    if best != gold_tone:
        found.append(f"tone {TONES[best]} (p={tone[best]:.2f}) not {TONES[gold_tone]} (p={tone[gold_tone]:.2f})")
    return found


def audit(
    statements: Sequence[Statement],
    make_model: Callable[[], TrainableModel] | None = None,
    *,
    n_folds: int = N_FOLDS,
    seed: int = 0,
) -> list[AuditRow]:
    """Rank ``statements`` by how likely their labels are wrong (TF-IDF out-of-fold unless told)."""
    from cleanlab.multilabel_classification.rank import get_label_quality_scores as multilabel_quality
    from cleanlab.rank import get_label_quality_scores as multiclass_quality

    if make_model is None:
        from classifier.models.tfidf import TfidfModel

        def make_model():
            return TfidfModel(TfidfConfig())

    stance_raw, tone_raw = out_of_fold_scores(make_model, statements, n_folds=n_folds, seed=seed)
    gold_stance, gold_tone = gold_arrays(statements)
    calibration = fit_calibration(stance_raw, gold_stance, tone_raw, gold_tone)
    stance, tone = calibration.apply(stance_raw, tone_raw)
    thresholds = tune_thresholds(stance, gold_stance)
    suspected, suspected_tones = decide_all(stance, tone, thresholds_vector(thresholds))

    label_lists = [list(np.flatnonzero(row)) for row in gold_stance]
    stance_q = multilabel_quality(label_lists, stance)
    tone_q = multiclass_quality(gold_tone, tone, method="self_confidence")
    suspicion = 1 - np.minimum(stance_q, tone_q)
    order = np.argsort(-suspicion, kind="stable")
    rows = []
    for rank, i in enumerate(order, start=1):
        s = statements[i]
        rows.append(
            AuditRow(
                rank=rank,
                id=s.id,
                line=s.line,
                suspicion=round(float(suspicion[i]), 4),
                stance_quality=round(float(stance_q[i]), 4),
                tone_quality=round(float(tone_q[i]), 4),
                stances=list(s.stances),
                tone=s.tone,
                suspected_stances=list(suspected[i]),
                suspected_tone=suspected_tones[i],
                doubts=_doubts(s.stances, suspected[i], stance[i], tone[i], int(gold_tone[i])),
                stance_scores={k: round(float(v), 4) for k, v in zip(STANCES, stance[i], strict=True)},
                tone_scores={k: round(float(v), 4) for k, v in zip(TONES, tone[i], strict=True)},
                text=s.text,
                split=s.split,
                origin=s.origin,
                event=s.event,
            )
        )
    return rows


def write_audit(rows: Sequence[AuditRow], out: Path, *, top: int | None = None) -> int:
    """Write the ranked rows as JSONL (all, or the ``top`` most suspicious); return how many."""
    chosen = list(rows)[:top] if top else list(rows)
    atomic_write_text(out, "".join(json.dumps(r.to_dict(), ensure_ascii=False) + "\n" for r in chosen))
    return len(chosen)
