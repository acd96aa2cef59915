"""The review queue: which classified statements are most worth a person's time.

A statement earns a place when the model was nearly undecided (a stance score
close to its threshold, or two tones close together), when a second model
reads it differently, when it carries a warning (text unlike the training
data, too long, not English), or when it was given a label the batch rarely
sees. Each entry is written in the labelled-data format, prefilled with the
predicted labels and the reasons, so a corrected queue goes straight into
``stance train --data``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from classifier.classified import failed_rows, read_classified, scores_of
from classifier.decision import decide_all
from classifier.errors import DataError
from classifier.files import atomic_write_text
from classifier.schema import STANCES, TONES

#: weight of each reason in the priority (each signal is scaled to [0, 1] first)
REASON_WEIGHTS = {"near_threshold": 1.0, "tone_close": 0.6, "models_disagree": 1.2, "warning": 0.8, "rare_label": 0.5}
RARE_SHARE = 0.05  # a predicted label on fewer than this share of the batch counts as rare
#: metadata carried from the classified rows into the queue (the labelled-data fields)
CARRIED = ("speaker", "speaker_name", "date", "event", "source_url", "origin", "actor")


@dataclass(frozen=True)
class Candidate:
    row: int
    score: float
    reasons: list[str]


def _labels(frame, stance, tone, thresholds):
    if "stances" in frame.columns and frame["stances"].map(lambda v: isinstance(v, list | np.ndarray)).all():
        return [list(v) for v in frame["stances"]], list(frame["tone"])
    if "stances" in frame.columns:  # CSV: "a;b"
        return [str(v).split(";") for v in frame["stances"]], list(frame["tone"])
    return decide_all(stance, tone, thresholds)


def _warnings(frame) -> list[list[str]]:
    if "warnings" not in frame.columns:
        return [[] for _ in range(len(frame))]
    out = []
    for value in frame["warnings"]:
        if isinstance(value, list | np.ndarray):
            out.append([str(w) for w in value])
        elif isinstance(value, str) and value:
            out.append(value.split(" | "))
        else:
            out.append([])
    return out


def rank_for_review(
    path: str | Path, *, thresholds: np.ndarray | None = None, compare: str | Path | None = None
) -> tuple[object, list[Candidate]]:
    """The classified rows (errors left out) and every row's review priority, highest first."""
    path = Path(path)
    frame = read_classified(path)
    frame = frame[~failed_rows(frame)].reset_index(drop=True)
    if frame.empty:
        raise DataError(f"{path}: no classified rows to review")
    stance, tone = scores_of(frame, path)
    thresholds = np.full(len(STANCES), 0.5) if thresholds is None else np.asarray(thresholds, dtype=float)
    stances, tones = _labels(frame, stance, tone, thresholds)
    warnings = _warnings(frame)
    margin = np.abs(stance - thresholds)  # distance of every stance score from its threshold
    near = 1 - np.clip(margin.min(axis=1) / 0.15, 0, 1)
    ordered = np.sort(tone, axis=1)
    tone_close = 1 - np.clip((ordered[:, -1] - ordered[:, -2]) / 0.3, 0, 1)
    counts = {s: sum(s in row for row in stances) for s in STANCES}
    tone_counts = {t: tones.count(t) for t in TONES}
    n = len(frame)
    other = _second_opinion(frame, compare) if compare is not None else None
    candidates = []
    for i in range(n):
        reasons, score = [], 0.0
        if near[i] > 0:
            j = int(margin[i].argmin())
            reasons.append(f"near threshold: {STANCES[j]} {stance[i, j]:.2f} (threshold {thresholds[j]:.2f})")
            score += REASON_WEIGHTS["near_threshold"] * near[i]
        if tone_close[i] > 0.5:
            top = np.argsort(-tone[i])[:2]
            reasons.append(
                f"tone close: {TONES[top[0]]} {tone[i, top[0]]:.2f} vs {TONES[top[1]]} {tone[i, top[1]]:.2f}"
            )
            score += REASON_WEIGHTS["tone_close"] * tone_close[i]
        if other is not None and i in other:
            o_stances, o_tone = other[i]
            distance = 1 - len(set(o_stances) & set(stances[i])) / len(set(o_stances) | set(stances[i]))
            distance = max(distance, 0.5 if o_tone != tones[i] else 0.0)
            if distance > 0:
                reasons.append(f"models disagree: the other reads {';'.join(o_stances)} / {o_tone}")
                score += REASON_WEIGHTS["models_disagree"] * distance
        if warnings[i]:
            reasons.append("warning: " + warnings[i][0])
            score += REASON_WEIGHTS["warning"] * (2.0 if warnings[i][0].startswith("off_topic:") else 1.0)
        rare = [s for s in stances[i] if counts[s] / n < RARE_SHARE] + (
            [tones[i]] if tone_counts[tones[i]] / n < RARE_SHARE else []
        )
        if rare:
            reasons.append("rare label: " + ", ".join(rare))
            score += REASON_WEIGHTS["rare_label"]
        candidates.append(Candidate(i, round(score, 4), reasons))
    candidates.sort(key=lambda c: (-c.score, c.row))
    frame = frame.assign(_stances=stances, _tone=tones)
    return frame, candidates


def _second_opinion(frame, compare: str | Path) -> dict[int, tuple[list[str], str]]:
    """Another model's labels for the same rows, matched by ``id`` (or ``line``)."""
    other = read_classified(Path(compare))
    other = other[~failed_rows(other)]
    key = "id" if "id" in frame.columns and frame["id"].notna().all() else "line"
    if key not in other.columns:
        raise DataError(f"{compare}: no {key!r} column to match the rows with")
    stances, tones = _labels(other, *scores_of(other, Path(compare)), np.full(len(STANCES), 0.5))
    by_key = {str(k): (s, t) for k, s, t in zip(other[key], stances, tones, strict=True)}
    return {i: by_key[str(k)] for i, k in enumerate(frame[key]) if str(k) in by_key}


def write_queue(frame, candidates: list[Candidate], k: int, out: Path, *, text_column: str = "text") -> int:
    """The ``k`` first candidates with a reason, as labelled JSONL prefilled with the predictions."""
    if text_column not in frame.columns:
        raise DataError(f"the classified rows have no {text_column!r} column; name it with --text-column")
    chosen = [c for c in candidates if c.reasons][:k]
    lines = []
    for c in chosen:
        row = frame.iloc[c.row]
        record = {"id": f"line-{row.get('line')}" if _missing(row.get("id")) else _plain(row.get("id"))}
        record["text"] = row[text_column]
        for field in CARRIED:
            value = row.get(field)
            if not _missing(value):
                record[field] = _plain(value)
        record["stances"] = list(row["_stances"])
        record["tone"] = row["_tone"]
        record["review_reason"] = "; ".join(c.reasons)
        record["review_priority"] = c.score
        lines.append(json.dumps(record, ensure_ascii=False, default=str, allow_nan=False))
    atomic_write_text(out, "".join(line + "\n" for line in lines))
    return len(chosen)


def _missing(value) -> bool:
    """None, or a NaN that CSV and Parquet readers put where a value is missing."""
    return value is None or (isinstance(value, float) and value != value)


def _plain(value):
    return value.item() if hasattr(value, "item") else value
